#include "reactor/api/deployment_json.hpp"
#include "reactor/api/handlers.hpp"
#include "reactor/core/deploy_request.hpp"
#include "reactor/objects/manifest.hpp"
#include "reactor/util/log.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <tuple>

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

int
list_limit(const net::Request& request)
{
  const auto text = request.query("limit");
  int limit = k_default_list_limit;
  if (text) {
    std::from_chars(text->data(), text->data() + text->size(), limit);
  }
  return std::clamp(limit, 1, k_max_list_limit);
}

net::Response
deployment_response(unsigned status, const core::Deployment& deployment, ApiContext& context)
{
  AliasLookup aliases(context);
  auto json = deployment_view(deployment, aliases, context);
  if (!json) {
    return store_failure(json.error());
  }
  return net::json_response(status, boost::json::serialize(*json));
}

} // namespace

util::Result<std::span<const store::Alias>>
AliasLookup::of(const core::Deployment& deployment)
{
  if (deployment.project.empty()) {
    return std::span<const store::Alias>{};
  }
  auto found = m_by_project.find(deployment.project);
  if (found == m_by_project.end()) {
    auto read = m_context.store.project_aliases(deployment.project);
    if (!read) {
      return std::unexpected(std::move(read.error()));
    }
    found = m_by_project.emplace(deployment.project, std::move(*read)).first;
  }
  return std::span<const store::Alias>(found->second);
}

util::Result<boost::json::object>
deployment_view(const core::Deployment& deployment, AliasLookup& aliases, ApiContext& context)
{
  auto serving = aliases.of(deployment);
  if (!serving) {
    return std::unexpected(std::move(serving.error()));
  }
  std::optional<store::QueuePlace> queued;
  if (deployment.status == core::Status::pending) {
    auto place = context.store.queue_place(deployment.id);
    if (!place) {
      return std::unexpected(std::move(place.error()));
    }
    queued = *place;
  }
  return deployment_json(deployment, context.site_url_template, *serving, queued);
}

net::Response
store_failure(const util::Error& error)
{
  util::log::error("store.failed", { { "error", error.message } });
  return net::json_error(503, "The metadata store failed: " + error.message);
}

net::Response
unknown_deployment(std::string_view id)
{
  return net::json_error(404, "No deployment with id '" + std::string(id) + "'");
}

net::Response
unknown_project(std::string_view name)
{
  return net::json_error(404, "No project named '" + std::string(name) + "'");
}

net::Response
create_deployment(const net::Request& request, ApiContext& context)
{
  auto parsed = core::parse_deploy_request(request.body, context.allow_local_repos);
  if (!parsed) {
    return net::json_error(400, parsed.error().message);
  }
  core::Deployment deployment;
  deployment.repo_url = std::move(parsed->repo_url);
  deployment.ref = std::move(parsed->ref);
  deployment.settings = std::move(parsed->settings);
  return enqueue_deployment(std::move(deployment), request, context);
}

net::Response
enqueue_deployment(core::Deployment deployment, const net::Request& request, ApiContext& context)
{
  deployment.id = core::new_deployment_id();
  deployment.created_at_ms = deployment.updated_at_ms = now_ms();
  if (auto created = context.store.create_deployment(deployment); !created) {
    return store_failure(created.error());
  }
  util::log::info("deploy.accepted",
                  { { "id", deployment.id },
                    { "repo", deployment.repo_url },
                    { "ref", deployment.ref },
                    { "project", deployment.project },
                    { "client", request.remote_address } });
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
  auto found = context.store.find_deployment(id);
  if (!found) {
    return store_failure(found.error());
  }
  const auto& deployment = *found;
  if (!deployment) {
    return unknown_deployment(id);
  }
  return deployment_response(200, *deployment, context);
}

net::Response
list_deployments(const net::Request& request, ApiContext& context)
{
  auto deployments = context.store.list_deployments(list_limit(request));
  if (!deployments) {
    return store_failure(deployments.error());
  }
  boost::json::array items;
  AliasLookup aliases(context);
  for (const auto& deployment : *deployments) {
    auto json = deployment_view(deployment, aliases, context);
    if (!json) {
      return store_failure(json.error());
    }
    items.push_back(std::move(*json));
  }
  return net::json_response(
    200, boost::json::serialize(boost::json::object{ { "deployments", std::move(items) } }));
}

net::Response
cancel_deployment(std::string_view id, ApiContext& context)
{
  auto found = context.store.find_deployment(id);
  if (!found) {
    return store_failure(found.error());
  }
  if (!found->has_value()) {
    return unknown_deployment(id);
  }
  auto changed = context.store.update_status(
    { .deployment_id = std::string(id), .status = core::Status::canceled, .error = "Canceled" });
  if (!changed) {
    return store_failure(changed.error());
  }
  auto current = context.store.find_deployment(id);
  if (!current) {
    return store_failure(current.error());
  }
  const auto& deployment = *current;
  if (!deployment) {
    return store_failure(util::Error{ "the deployment vanished" });
  }
  if (!*changed) {
    return net::json_error(409,
                           "Deployment " + std::string(id) + " has already finished as " +
                             std::string(core::to_string(deployment->status)));
  }
  util::log::info("deploy.canceled", { { "id", id } });
  return deployment_response(202, *deployment, context);
}

net::Response
delete_deployment(std::string_view id, ApiContext& context)
{
  auto outcome = context.store.delete_deployment(id);
  if (!outcome) {
    return store_failure(outcome.error());
  }
  if (*outcome == store::DeleteOutcome::unknown) {
    return unknown_deployment(id);
  }
  if (*outcome == store::DeleteOutcome::busy) {
    return net::json_error(409,
                           "Deployment " + std::string(id) +
                             " is queued or building: cancel it, or wait until it finishes");
  }
  if (*outcome == store::DeleteOutcome::aliased) {
    return net::json_error(409,
                           "Deployment " + std::string(id) +
                             " is served by a project's alias: promote another deployment first");
  }
  // A manifest left behind is removed by the next garbage collection: its deployment is gone.
  if (context.objects != nullptr) {
    std::ignore = context.objects->remove(objects::manifest_key(id));
  }
  if (context.on_deleted) {
    context.on_deleted(id);
  }
  util::log::info("deployment.deleted", { { "id", id } });
  return net::json_response(
    200,
    boost::json::serialize(boost::json::object{ { "id", std::string(id) }, { "deleted", true } }));
}

} // namespace reactor::api
