#include "reactor/api/api.hpp"

#include "reactor/api/deployment_json.hpp"
#include "reactor/api/ui.hpp"
#include "reactor/core/deploy_request.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <chrono>

namespace reactor::api {

namespace {

constexpr int k_default_list_limit = 50;
constexpr int k_max_list_limit = 500;

std::int64_t
now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

net::Response
store_failure(const core::Error& error)
{
  return net::json_error(503, "The metadata store failed: " + error.message);
}

net::Response
create_deployment(const net::Request& request, ApiContext& context)
{
  auto parsed = core::parse_deploy_request(request.body, context.allow_local_repos);
  if (!parsed) {
    return net::json_error(400, parsed.error().message);
  }
  core::Deployment deployment;
  deployment.id = core::new_deployment_id();
  deployment.repo_url = std::move(parsed->repo_url);
  deployment.ref = std::move(parsed->ref);
  deployment.settings = std::move(parsed->settings);
  deployment.created_at_ms = deployment.updated_at_ms = now_ms();
  if (auto created = context.store.create_deployment(deployment); !created) {
    return store_failure(created.error());
  }
  if (context.on_enqueued) {
    context.on_enqueued();
  }
  const std::string url = site_url(context.site_url_template, deployment.id);
  return net::json_response(
    202,
    boost::json::serialize(boost::json::object{
      { "id", deployment.id },
      { "message", "Deployment queued: watch it on /ws or GET /deployments/" + deployment.id },
      { "url", url },
    }));
}

net::Response
get_deployment(std::string_view id, ApiContext& context)
{
  if (!core::is_deployment_id(id)) {
    return net::json_error(404, "No deployment with id '" + std::string(id) + "'");
  }
  auto found = context.store.find_deployment(id);
  if (!found) {
    return store_failure(found.error());
  }
  if (!found->has_value()) {
    return net::json_error(404, "No deployment with id '" + std::string(id) + "'");
  }
  const auto& deployment = **found;
  return net::json_response(200,
                            boost::json::serialize(deployment_json(
                              deployment, site_url(context.site_url_template, deployment.id))));
}

int
list_limit(std::string_view target)
{
  const auto at = target.find("limit=");
  if (at == std::string_view::npos) {
    return k_default_list_limit;
  }
  int limit = 0;
  const std::string_view digits = target.substr(at + 6);
  std::from_chars(digits.data(), digits.data() + digits.size(), limit);
  return std::clamp(limit, 1, k_max_list_limit);
}

net::Response
list_deployments(const net::Request& request, ApiContext& context)
{
  auto deployments = context.store.list_deployments(list_limit(request.target));
  if (!deployments) {
    return store_failure(deployments.error());
  }
  boost::json::array items;
  for (const auto& deployment : *deployments) {
    items.push_back(
      deployment_json(deployment, site_url(context.site_url_template, deployment.id)));
  }
  return net::json_response(
    200, boost::json::serialize(boost::json::object{ { "deployments", std::move(items) } }));
}

net::Response
method_not_allowed(std::string_view allowed)
{
  auto response = net::json_error(405, "Method not allowed here; use " + std::string(allowed));
  response.headers.emplace_back("Allow", allowed);
  return response;
}

} // namespace

net::Response
handle(const net::Request& request, ApiContext& context)
{
  const std::string_view path = request.path();
  const std::string_view method = request.method;
  constexpr std::string_view k_deployment_prefix = "/deployments/";

  if (path == "/deploy") {
    return method == "POST" ? create_deployment(request, context) : method_not_allowed("POST");
  }
  if (path == "/deployments") {
    return method == "GET" ? list_deployments(request, context) : method_not_allowed("GET");
  }
  if (path.starts_with(k_deployment_prefix)) {
    const std::string_view id = path.substr(k_deployment_prefix.size());
    return method == "GET" ? get_deployment(id, context) : method_not_allowed("GET");
  }
  if (path == "/healthz") {
    return net::json_response(200, R"({"status":"ok"})");
  }
  if (auto page = serve_ui(request)) {
    return std::move(*page);
  }
  return net::json_error(404, "No such endpoint: " + std::string(method) + " " + std::string(path));
}

} // namespace reactor::api
