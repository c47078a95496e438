#include "reactor/api/deployment_json.hpp"
#include "reactor/api/handlers.hpp"
#include "reactor/core/webhook.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/password.hpp"
#include "reactor/util/secret_box.hpp"
#include "reactor/util/text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <span>

namespace reactor::api {

namespace {

constexpr std::array k_providers = { core::GitProvider::github,
                                     core::GitProvider::gitlab,
                                     core::GitProvider::gitea };

// What a sealed webhook secret is bound to, so that it cannot be moved to another project.
std::string
secret_associated_data(std::string_view project)
{
  return "webhook-secret:" + std::string(project);
}

// The first of `names` the request has, or "".
std::string_view
first_header(const net::Request& request, std::initializer_list<std::string_view> names)
{
  for (const auto name : names) {
    if (auto value = request.header(name); !value.empty()) {
      return value;
    }
  }
  return {};
}

// The delivery as each provider sends it (Gitea's also carry GitHub's headers; Forgejo's
// its own besides).
core::WebhookDelivery
read_delivery(core::GitProvider provider, const net::Request& request)
{
  core::WebhookDelivery delivery{ .provider = provider,
                                  .content_type = request.header("content-type"),
                                  .body = request.body };
  switch (provider) {
    case core::GitProvider::github:
      delivery.event = request.header("x-github-event");
      delivery.signature = request.header("x-hub-signature-256");
      break;
    case core::GitProvider::gitlab:
      delivery.event = request.header("x-gitlab-event");
      delivery.signature = request.header("x-gitlab-token");
      break;
    case core::GitProvider::gitea:
      delivery.event =
        first_header(request, { "x-gitea-event", "x-forgejo-event", "x-github-event" });
      delivery.signature = first_header(request, { "x-gitea-signature", "x-forgejo-signature" });
      break;
  }
  return delivery;
}

// The id a provider gives a delivery and keeps when it delivers it again.
std::string_view
delivery_id(core::GitProvider provider, const net::Request& request)
{
  switch (provider) {
    case core::GitProvider::github:
      return request.header("x-github-delivery");
    case core::GitProvider::gitlab:
      return first_header(request, { "idempotency-key", "x-gitlab-event-uuid" });
    case core::GitProvider::gitea:
      return first_header(request,
                          { "x-gitea-delivery", "x-forgejo-delivery", "x-github-delivery" });
  }
  return {};
}

net::Response
answer(unsigned status, std::string_view result, std::string_view detail = {})
{
  boost::json::object json{ { "result", result } };
  if (!detail.empty()) {
    json["reason"] = detail;
  }
  return net::json_response(status, boost::json::serialize(json));
}

// The label of the alias a branch's or pull request's deployments earn.
std::string
event_label(const core::Project& project, const core::GitEvent& event)
{
  return event.pull_request > 0 ? core::pull_request_label(project.name, event.pull_request)
                                : core::branch_label(project.name, event.branch);
}

// A project's latest deployments: where a branch's queued builds and built commits are.
util::Result<std::vector<core::Deployment>>
recent_deployments(const core::Project& project, ApiContext& context)
{
  constexpr int k_recent = 100;
  return context.store.list_project_deployments(project.name, k_recent);
}

// Cancels the builds of the event's branch or pull request still waiting for a worker:
// a newer commit supersedes them (one already building finishes; its alias never
// overwrites a newer deployment's).
util::Result<void>
cancel_superseded(const core::GitEvent& event,
                  std::span<const core::Deployment> recent,
                  ApiContext& context)
{
  for (const auto& deployment : recent) {
    if (deployment.status != core::Status::pending || deployment.branch != event.branch ||
        deployment.pull_request != event.pull_request) {
      continue;
    }
    auto canceled = context.store.update_status({ .deployment_id = deployment.id,
                                                  .status = core::Status::canceled,
                                                  .error = "Canceled: a newer commit was pushed" });
    if (!canceled) {
      return std::unexpected(canceled.error());
    }
    util::log::info("webhook.superseded",
                    { { "id", deployment.id }, { "project", deployment.project } });
  }
  return {};
}

// A deployment of the same commit for the same branch or pull request, from the same
// inputs, that is queued, building or live: building it again would make the same site
// for the same alias. nullptr when there is none.
const core::Deployment*
same_build(const core::Deployment& wanted, std::span<const core::Deployment> recent)
{
  const auto found = std::ranges::find_if(recent, [&](const core::Deployment& deployment) {
    return deployment.ref == wanted.ref && deployment.branch == wanted.branch &&
           deployment.pull_request == wanted.pull_request &&
           deployment.inputs_digest == wanted.inputs_digest &&
           (deployment.status == core::Status::pending ||
            deployment.status == core::Status::in_progress ||
            deployment.status == core::Status::deployed);
  });
  return found == recent.end() ? nullptr : &*found;
}

net::Response
build_event(const core::Project& project,
            const core::GitEvent& event,
            const net::Request& request,
            ApiContext& context)
{
  if (core::is_tag_ref(event.branch) && !project.deploy_tags) {
    return answer(200,
                  "ignored",
                  "tags are not deployed: turn on deployTags in the project's settings to build "
                  "each pushed tag as a preview");
  }
  if (event.from_fork && !project.build_fork_pull_requests) {
    return answer(200,
                  "ignored",
                  "pull requests from forks are not built: turn on buildForkPullRequests in the "
                  "project's settings to build them, with none of the project's variables");
  }
  auto wanted = project_deployment(project,
                                   { .branch = event.branch,
                                     .commit = event.commit,
                                     .pull_request = event.pull_request,
                                     .from_fork = event.from_fork },
                                   context);
  if (!wanted) {
    return store_failure(wanted.error());
  }
  auto recent = recent_deployments(project, context);
  if (!recent) {
    return store_failure(recent.error());
  }
  if (const auto* existing = same_build(*wanted, *recent)) {
    AliasLookup aliases(context);
    auto json = deployment_view(*existing, aliases, context);
    if (!json) {
      return store_failure(json.error());
    }
    return net::json_response(200,
                              boost::json::serialize(boost::json::object{
                                { "result", "duplicate" },
                                { "reason",
                                  "this commit is built already with the same settings and "
                                  "variables" },
                                { "deployment", std::move(*json) } }));
  }
  if (auto canceled = cancel_superseded(event, *recent, context); !canceled) {
    return store_failure(canceled.error());
  }
  return enqueue_deployment(std::move(*wanted), request, context);
}

net::Response
drop_event_alias(const core::Project& project, const core::GitEvent& event, ApiContext& context)
{
  auto recent = recent_deployments(project, context);
  if (!recent) {
    return store_failure(recent.error());
  }
  if (auto canceled = cancel_superseded(event, *recent, context); !canceled) {
    return store_failure(canceled.error());
  }
  const auto label = event_label(project, event);
  auto dropped = context.store.drop_alias(project.name, label);
  if (!dropped) {
    return store_failure(dropped.error());
  }
  util::log::info("webhook.alias_dropped",
                  { { "project", project.name }, { "label", label }, { "had_one", *dropped } });
  return answer(200, *dropped ? "alias dropped" : "no alias", label);
}

net::Response
act_on(const core::Project& project,
       const core::GitEvent& event,
       const net::Request& request,
       ApiContext& context)
{
  switch (event.action) {
    case core::GitAction::ping:
      return answer(200, "pong");
    case core::GitAction::ignore:
      return answer(200, "ignored", event.reason);
    case core::GitAction::drop_alias:
      return drop_event_alias(project, event, context);
    case core::GitAction::build:
      return build_event(project, event, request, context);
  }
  return answer(200, "ignored");
}

// What the project's list of deliveries shows of an answer: its status, its result (and
// why), and the build it queued or found.
store::WebhookDelivery
answered_delivery(const net::Response& response)
{
  store::WebhookDelivery answered{ .status = static_cast<int>(response.status) };
  boost::system::error_code error;
  const auto json = boost::json::parse(response.body, error);
  if (error || !json.is_object()) {
    return answered;
  }
  const auto& object = json.get_object();
  const auto text = [](const boost::json::object& from, std::string_view key) {
    const auto* value = from.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
  };
  if (response.status == 202) {
    answered.result = "queued";
    answered.deployment_id = text(object, "id");
    return answered;
  }
  answered.result = text(object, "result");
  if (const auto reason = text(object, "reason"); !reason.empty()) {
    answered.result += ": " + reason;
  }
  if (answered.result.empty()) {
    answered.result = text(object, "error");
  }
  if (const auto* deployment = object.if_contains("deployment");
      deployment != nullptr && deployment->is_object()) {
    answered.deployment_id = text(deployment->get_object(), "id");
  }
  return answered;
}

} // namespace

util::Result<std::string>
new_webhook_secret(std::string_view project, ApiContext& context)
{
  if (context.secrets_key == nullptr) {
    return util::fail("this server has no secrets key to seal a webhook secret with");
  }
  auto secret = util::new_token();
  auto stored = context.store.set_webhook_secret(
    project, util::seal(*context.secrets_key, secret, secret_associated_data(project)));
  if (!stored) {
    return std::unexpected(stored.error());
  }
  return secret;
}

boost::json::object
webhook_paths(std::string_view project)
{
  boost::json::object paths;
  for (const auto provider : k_providers) {
    paths[core::to_string(provider)] =
      "/hooks/" + std::string(core::to_string(provider)) + "/" + std::string(project);
  }
  return paths;
}

net::Response
get_webhook(std::string_view project, ApiContext& context)
{
  if (auto owner = find_project(project, context); !owner) {
    return std::move(owner.error());
  }
  auto sealed = context.store.webhook_secret(project);
  if (!sealed) {
    return store_failure(sealed.error());
  }
  constexpr int k_shown_deliveries = 20;
  auto deliveries = context.store.webhook_deliveries(project, k_shown_deliveries);
  if (!deliveries) {
    return store_failure(deliveries.error());
  }
  boost::json::array recent;
  for (const auto& delivery : *deliveries) {
    recent.push_back(boost::json::object{
      { "provider", delivery.provider },
      { "id", delivery.delivery_id },
      { "event", delivery.event },
      { "status", delivery.status },
      { "result", delivery.result },
      { "deploymentId",
        delivery.deployment_id.empty() ? boost::json::value(nullptr)
                                       : boost::json::value(delivery.deployment_id) },
      { "receivedAt", util::iso8601(delivery.received_at_ms) } });
  }
  return net::json_response(
    200,
    boost::json::serialize(boost::json::object{ { "paths", webhook_paths(project) },
                                                { "secretSet", sealed->has_value() },
                                                { "contentType", "application/json" },
                                                { "deliveries", std::move(recent) } }));
}

net::Response
rotate_webhook_secret(std::string_view project, ApiContext& context)
{
  if (auto owner = find_project(project, context); !owner) {
    return std::move(owner.error());
  }
  auto secret = new_webhook_secret(project, context);
  if (!secret) {
    return net::json_error(503, "Cannot make a webhook secret: " + secret.error().message);
  }
  util::log::info("webhook.secret_rotated", { { "project", project } });
  return net::json_response(
    201,
    boost::json::serialize(boost::json::object{ { "paths", webhook_paths(project) },
                                                { "secret", *secret },
                                                { "contentType", "application/json" } }));
}

net::Response
receive_webhook(std::string_view provider_name,
                std::string_view project_name,
                const net::Request& request,
                ApiContext& context)
{
  const auto provider = core::parse_git_provider(provider_name);
  if (!provider) {
    return net::json_error(404,
                           "No webhook endpoint for '" + std::string(provider_name) +
                             "': use /hooks/github/, /hooks/gitlab/ or /hooks/gitea/");
  }
  auto project = find_project(project_name, context);
  if (!project) {
    return std::move(project.error());
  }
  auto sealed = context.store.webhook_secret(project_name);
  if (!sealed) {
    return store_failure(sealed.error());
  }
  std::string secret; // none, or one that cannot be opened: nothing matches it
  if (const auto& stored = *sealed; stored && context.secrets_key != nullptr) {
    auto opened =
      util::open_sealed(*context.secrets_key, *stored, secret_associated_data(project_name));
    if (opened) {
      secret = std::move(*opened);
    } else {
      util::log::error("webhook.secret_unreadable",
                       { { "project", project_name }, { "error", opened.error().message } });
    }
  }
  const auto delivery = read_delivery(*provider, request);
  if (!core::is_authentic(delivery, secret)) {
    util::log::warn("webhook.refused",
                    { { "project", project_name },
                      { "provider", provider_name },
                      { "client", request.remote_address },
                      { "signed", !delivery.signature.empty() } });
    return net::json_error(
      401,
      delivery.signature.empty()
        ? "The delivery is not signed: give the webhook the project's secret (shown when the "
          "project was made, or made anew by reactor hooks rotate " +
            std::string(project_name) + ")"
        : "The delivery's signature does not match the project's webhook secret: set the "
          "webhook's secret to the one reactor hooks rotate " +
            std::string(project_name) + " printed");
  }
  auto event = core::read_git_event(delivery);
  if (!event) {
    return net::json_error(400, event.error().message);
  }
  const auto id = delivery_id(*provider, request);
  if (!id.empty()) {
    auto first = context.store.remember_delivery(project_name, provider_name, id);
    if (!first) {
      return store_failure(first.error());
    }
    if (!*first) {
      return answer(200, "duplicate", "this delivery was received already");
    }
  }
  util::log::info("webhook.received",
                  { { "project", project_name },
                    { "provider", provider_name },
                    { "event", delivery.event },
                    { "branch", event->branch },
                    { "commit", event->commit },
                    { "pull_request", event->pull_request } });
  auto response = act_on(*project, *event, request, context);
  if (!id.empty()) {
    auto answered = answered_delivery(response);
    answered.provider = provider_name;
    answered.delivery_id = id;
    answered.event = delivery.event;
    if (auto recorded = context.store.record_delivery_answer(project_name, answered); !recorded) {
      util::log::warn("webhook.answer_unrecorded",
                      { { "project", project_name }, { "error", recorded.error().message } });
    }
  }
  return response;
}

} // namespace reactor::api
