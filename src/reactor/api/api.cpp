#include "reactor/api/api.hpp"

#include "reactor/api/certificates.hpp"
#include "reactor/api/handlers.hpp"
#include "reactor/api/ui.hpp"
#include "reactor/net/router.hpp"
#include "reactor/util/log.hpp"

namespace reactor::api {

namespace {

net::Response
method_not_allowed(std::string_view allowed)
{
  auto response = net::json_error(405, "Method not allowed here; use " + std::string(allowed));
  response.headers.emplace_back("Allow", allowed);
  return response;
}

// Routes /deployments/<id>[/<action>].
net::Response
handle_deployment(std::string_view rest, const net::Request& request, ApiContext& context)
{
  const auto slash = rest.find('/');
  const std::string_view id = rest.substr(0, slash);
  const std::string_view action =
    slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (!core::is_deployment_id(id)) {
    return unknown_deployment(id);
  }
  const bool get = request.method == "GET";
  if (action.empty()) {
    if (request.method == "DELETE") {
      return delete_deployment(id, context);
    }
    return get ? get_deployment(id, context) : method_not_allowed("GET, DELETE");
  }
  if (action == "events") {
    return get ? stream_events(id, request, context) : method_not_allowed("GET");
  }
  if (action == "logs") {
    return get ? get_logs(id, request, context) : method_not_allowed("GET");
  }
  if (action == "cancel") {
    return request.method == "POST" ? cancel_deployment(id, context) : method_not_allowed("POST");
  }
  return net::json_error(
    404, "No such endpoint: " + std::string(request.method) + " " + std::string(request.target));
}

// /projects/<name>[/<action>]
net::Response
handle_project(std::string_view rest, const net::Request& request, ApiContext& context)
{
  const auto slash = rest.find('/');
  const std::string_view name = rest.substr(0, slash);
  const std::string_view action =
    slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  const std::string_view method = request.method;
  if (action.empty()) {
    if (method == "DELETE") {
      return delete_project(name, context);
    }
    if (method == "PATCH") {
      return update_project(name, request, context);
    }
    return method == "GET" ? get_project(name, context) : method_not_allowed("GET, PATCH, DELETE");
  }
  if (action == "deployments") {
    if (method == "POST") {
      return deploy_project(name, request, context);
    }
    return method == "GET" ? list_project_deployments(name, request, context)
                           : method_not_allowed("GET, POST");
  }
  constexpr std::string_view k_hooks = "deploy-hooks";
  if (action == k_hooks) {
    if (method == "POST") {
      return create_deploy_hook(name, request, context);
    }
    return method == "GET" ? list_deploy_hooks(name, context) : method_not_allowed("GET, POST");
  }
  if (action.starts_with("deploy-hooks/")) {
    return method == "DELETE" ? delete_deploy_hook(name, action.substr(k_hooks.size() + 1), context)
                              : method_not_allowed("DELETE");
  }
  constexpr std::string_view k_domains = "domains";
  if (action == k_domains) {
    if (method == "POST") {
      return add_custom_domain(name, request, context);
    }
    return method == "GET" ? list_custom_domains(name, context) : method_not_allowed("GET, POST");
  }
  if (action.starts_with("domains/")) {
    return method == "DELETE"
             ? remove_custom_domain(name, action.substr(k_domains.size() + 1), context)
             : method_not_allowed("DELETE");
  }
  constexpr std::string_view k_notifications = "notifications";
  if (action == k_notifications) {
    if (method == "POST") {
      return add_notification_endpoint(name, request, context);
    }
    return method == "GET" ? list_notifications(name, context) : method_not_allowed("GET, POST");
  }
  if (action.starts_with("notifications/")) {
    return method == "DELETE" ? delete_notification_endpoint(
                                  name, action.substr(k_notifications.size() + 1), context)
                              : method_not_allowed("DELETE");
  }
  if (action == "webhook") {
    return method == "GET" ? get_webhook(name, context) : method_not_allowed("GET");
  }
  if (action == "webhook/secret") {
    return method == "POST" ? rotate_webhook_secret(name, context) : method_not_allowed("POST");
  }
  constexpr std::string_view k_env = "env";
  if (action == k_env) {
    return method == "GET" ? list_env(name, context) : method_not_allowed("GET");
  }
  if (action.starts_with("env/")) {
    const std::string_view variable = action.substr(k_env.size() + 1);
    if (method == "PUT") {
      return set_env(name, variable, request, context);
    }
    return method == "DELETE" ? delete_env(name, variable, context)
                              : method_not_allowed("PUT, DELETE");
  }
  if (action == "events") {
    return method == "GET" ? stream_project_events(name, request, context)
                           : method_not_allowed("GET");
  }
  if (action == "promote") {
    return method == "POST" ? promote(name, request, context) : method_not_allowed("POST");
  }
  if (action == "rollback") {
    return method == "POST" ? rollback(name, request, context) : method_not_allowed("POST");
  }
  return net::json_error(
    404, "No such endpoint: " + std::string(method) + " " + std::string(request.target));
}

constexpr std::string_view k_deploy_hook_prefix = "/deploy-hooks/";
constexpr std::string_view k_webhook_prefix = "/hooks/";

// A call that queues a build (rate-limited per client).
bool
queues_build(std::string_view path, std::string_view method)
{
  return method == "POST" && (path == "/deploy" || path.starts_with(k_deploy_hook_prefix) ||
                              (path.starts_with("/projects/") && path.ends_with("/deployments")));
}

// Calls that carry their own credential instead of the API token: a deploy hook's URL (for
// a CMS's button, cron) and a Git host's signed webhook. No token, no Origin check, and
// the body is the caller's own (any, or the Git host's form).
bool
has_own_credential(const net::Request& request)
{
  return request.method == "POST" && (request.path().starts_with(k_deploy_hook_prefix) ||
                                      request.path().starts_with(k_webhook_prefix));
}

bool
is_state_changing(std::string_view method)
{
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

} // namespace

std::optional<net::Response>
refuse_request(const net::Request& request, const ApiContext& context)
{
  const std::string_view path = request.path();
  // Load balancers' health checks come by address; they reveal nothing.
  const bool probe = path == "/healthz" || path == "/readyz";
  if (!probe && !is_api_host(request.host, context.api_hosts)) {
    util::log::warn("api.misdirected",
                    { { "host", request.host }, { "client", request.remote_address } });
    return net::json_error(421,
                           "This Reactor API does not answer for the host '" +
                             host_name(request.host) +
                             "': use localhost, 127.0.0.1, [::1], the --public-url host, or "
                             "start the server with --api-host " +
                             host_name(request.host));
  }
  const std::string_view origin = request.header("origin");
  if (is_state_changing(request.method) && !origin.empty() && !has_own_credential(request) &&
      !is_own_origin(origin, request.host, context.api_hosts)) {
    util::log::warn(
      "api.cross_site",
      { { "origin", origin }, { "path", path }, { "client", request.remote_address } });
    return net::json_error(403,
                           "Cross-site request refused: the page at " + std::string(origin) +
                             " may not change this Reactor server; use its own web UI, the "
                             "CLI, or a client that sends no Origin header");
  }
  return std::nullopt;
}

std::optional<net::Response>
refuse_body(const net::Request& request)
{
  const std::string_view path = request.path();
  const bool takes_json = path == "/deploy" && request.method == "POST";
  if (is_state_changing(request.method) && (takes_json || !request.body.empty()) &&
      !has_own_credential(request) && !is_json_content_type(request.header("content-type"))) {
    const std::string_view given = request.header("content-type");
    return net::json_error(
      415,
      "Send the body as JSON with Content-Type: application/json (this "
      "request said " +
        (given.empty() ? std::string("no Content-Type") : "'" + std::string(given) + "'") + ")");
  }
  return std::nullopt;
}

std::size_t
max_body(std::string_view path)
{
  constexpr std::size_t k_webhook_max_body = 25 * 1024 * 1024; // GitHub's own cap
  return path.starts_with(k_webhook_prefix) ? k_webhook_max_body : net::k_default_max_body;
}

net::Response
handle(const net::Request& request, ApiContext& context)
{
  const std::string_view path = request.path();
  const std::string_view method = request.method;
  constexpr std::string_view k_deployment_prefix = "/deployments/";

  if (auto refused = refuse_request(request, context)) {
    return std::move(*refused);
  }
  // Watching stays open to anyone; changes and administration need the token.
  const bool changes_state = method != "GET" && method != "HEAD";
  const std::string_view authorization = request.header("authorization");
  if ((changes_state || path.starts_with("/admin/")) && !has_own_credential(request) &&
      !is_authorized(authorization, context.api_token)) {
    util::log::warn("auth.rejected",
                    { { "method", method },
                      { "path", path },
                      { "client", request.remote_address },
                      { "reason", authorization.empty() ? "no token" : "wrong token" } });
    // Saying which of the two went wrong lets a client ask again for the right thing.
    auto response = net::json_error(
      401,
      authorization.empty()
        ? "This call needs the server's API token: send Authorization: Bearer <token>"
        : "That API token is not this server's: check --api-token or the token file");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  if (auto refused = refuse_body(request)) {
    return std::move(*refused);
  }
  if (queues_build(path, method) && context.deploy_limiter != nullptr) {
    if (const auto wait = context.deploy_limiter->acquire(request.remote_address);
        wait.count() > 0) {
      util::log::debug("deploy.rate_limited",
                       { { "client", request.remote_address }, { "retry_s", wait.count() } });
      auto response = net::json_error(429,
                                      "Too many deployments from this address: retry in " +
                                        std::to_string(wait.count()) + " s");
      response.headers.emplace_back("Retry-After", std::to_string(wait.count()));
      return response;
    }
  }

  if (path == "/deploy") {
    return method == "POST" ? create_deployment(request, context) : method_not_allowed("POST");
  }
  if (path == "/deployments") {
    return method == "GET" ? list_deployments(request, context) : method_not_allowed("GET");
  }
  if (path.starts_with(k_deployment_prefix)) {
    return handle_deployment(path.substr(k_deployment_prefix.size()), request, context);
  }
  constexpr std::string_view k_project_prefix = "/projects/";
  if (path == "/projects") {
    if (method == "POST") {
      return create_project(request, context);
    }
    return method == "GET" ? list_projects(context) : method_not_allowed("GET, POST");
  }
  if (path.starts_with(k_project_prefix)) {
    return handle_project(path.substr(k_project_prefix.size()), request, context);
  }
  if (path.starts_with(k_webhook_prefix)) { // /hooks/<provider>/<project>
    const std::string_view rest = path.substr(k_webhook_prefix.size());
    const auto slash = rest.find('/');
    if (slash != std::string_view::npos) {
      return method == "POST"
               ? receive_webhook(rest.substr(0, slash), rest.substr(slash + 1), request, context)
               : method_not_allowed("POST");
    }
  }
  if (path.starts_with(k_deploy_hook_prefix)) {
    return method == "POST"
             ? run_deploy_hook(path.substr(k_deploy_hook_prefix.size()), request, context)
             : method_not_allowed("POST");
  }
  constexpr std::string_view k_dead_letters = "/admin/dead-letters";
  constexpr std::string_view k_redrive = "/redrive";
  if (path == k_dead_letters) {
    return method == "GET" ? list_dead_letters(context) : method_not_allowed("GET");
  }
  if (path.starts_with(k_dead_letters) && path.ends_with(k_redrive)) {
    std::string_view id = path.substr(k_dead_letters.size()); // "/<id>/redrive"
    id.remove_suffix(k_redrive.size());
    if (id.starts_with('/') && core::is_deployment_id(id.substr(1))) {
      return method == "POST" ? redrive_dead_letter(id.substr(1), context)
                              : method_not_allowed("POST");
    }
  }
  if (path == "/admin/certificates") {
    return method == "GET" ? list_certificates(context.store) : method_not_allowed("GET");
  }
  if (path == "/admin/gc") {
    return method == "POST" ? collect_garbage(request, context) : method_not_allowed("POST");
  }
  if (path == "/healthz") {
    return net::json_response(200, R"({"status":"ok"})");
  }
  if (path == "/readyz") {
    return readiness(context);
  }
  if (path == "/metrics") {
    return metrics_page(context);
  }
  if (auto page = serve_ui(request)) {
    return std::move(*page);
  }
  return net::json_error(404, "No such endpoint: " + std::string(method) + " " + std::string(path));
}

} // namespace reactor::api
