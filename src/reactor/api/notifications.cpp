#include "reactor/api/deployment_json.hpp"
#include "reactor/api/handlers.hpp"
#include "reactor/core/notification.hpp"
#include "reactor/core/project_request.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/random.hpp"
#include "reactor/util/secret_box.hpp"
#include "reactor/util/text.hpp"

#include <boost/json/serialize.hpp>

namespace reactor::api {

namespace {

// How many of a project's latest notifications its listing shows.
constexpr int k_recent_notifications = 50;

boost::json::object
endpoint_json(const core::NotificationEndpoint& endpoint)
{
  boost::json::array events;
  for (const auto& event : endpoint.events) {
    events.emplace_back(event);
  }
  return { { "id", endpoint.id },
           { "url", endpoint.url },
           { "events", std::move(events) },
           { "createdAt", util::iso8601(endpoint.created_at_ms) } };
}

boost::json::object
notification_json(const store::Notification& notification)
{
  const auto time_or_null = [](std::int64_t ms) {
    return ms == 0 ? boost::json::value(nullptr) : boost::json::value(util::iso8601(ms));
  };
  return { { "id", notification.id },
           { "endpointId", notification.endpoint_id },
           { "type", notification.type },
           { "state", notification.state },
           { "attempts", notification.attempts },
           { "lastStatus",
             notification.last_status == 0 ? boost::json::value(nullptr)
                                           : boost::json::value(notification.last_status) },
           { "lastError",
             notification.last_error.empty() ? boost::json::value(nullptr)
                                             : boost::json::value(notification.last_error) },
           { "lastAttemptAt", time_or_null(notification.last_at_ms) },
           { "nextAttemptAt",
             notification.state == "pending" ? time_or_null(notification.next_at_ms)
                                             : boost::json::value(nullptr) },
           { "createdAt", util::iso8601(notification.created_at_ms) } };
}

} // namespace

net::Response
add_notification_endpoint(std::string_view project,
                          const net::Request& request,
                          ApiContext& context)
{
  auto parsed = core::parse_notification_request(request.body, context.allow_local_repos);
  if (!parsed) {
    return net::json_error(400, parsed.error().message);
  }
  if (context.secrets_key == nullptr) {
    return net::json_error(503, "This server has no secrets key to seal a signing secret with");
  }
  core::NotificationEndpoint endpoint{ .id = "ep_" + util::random_hex(8),
                                       .project = std::string(project),
                                       .url = std::move(parsed->url),
                                       .events = std::move(parsed->events),
                                       .created_at_ms = store::wall_clock_ms() };
  const auto secret = core::new_signing_secret();
  endpoint.sealed_secret = util::seal(
    *context.secrets_key, secret, core::notification_secret_associated_data(endpoint.id));
  auto created = context.store.create_notification_endpoint(endpoint);
  if (!created) {
    return store_failure(created.error());
  }
  if (!*created) {
    return unknown_project(project);
  }
  util::log::info("notify.endpoint_added",
                  { { "project", project }, { "id", endpoint.id }, { "url", endpoint.url } });
  auto json = endpoint_json(endpoint);
  json["secret"] = secret; // shown this once
  return net::json_response(201, boost::json::serialize(json));
}

net::Response
list_notifications(std::string_view project, ApiContext& context)
{
  if (auto owner = find_project(project, context); !owner) {
    return std::move(owner.error());
  }
  auto endpoints = context.store.notification_endpoints(project);
  if (!endpoints) {
    return store_failure(endpoints.error());
  }
  auto sent = context.store.project_notifications(project, k_recent_notifications);
  if (!sent) {
    return store_failure(sent.error());
  }
  boost::json::array endpoint_list;
  for (const auto& endpoint : *endpoints) {
    endpoint_list.push_back(endpoint_json(endpoint));
  }
  boost::json::array deliveries;
  for (const auto& notification : *sent) {
    deliveries.push_back(notification_json(notification));
  }
  return net::json_response(
    200,
    boost::json::serialize(boost::json::object{ { "endpoints", std::move(endpoint_list) },
                                                { "deliveries", std::move(deliveries) } }));
}

net::Response
delete_notification_endpoint(std::string_view project, std::string_view id, ApiContext& context)
{
  auto deleted = context.store.delete_notification_endpoint(project, id);
  if (!deleted) {
    return store_failure(deleted.error());
  }
  if (!*deleted) {
    return net::json_error(
      404, "Project " + std::string(project) + " has no notification endpoint " + std::string(id));
  }
  util::log::info("notify.endpoint_removed", { { "project", project }, { "id", id } });
  net::Response response;
  response.status = 204;
  return response;
}

void
notify(std::string_view type, const core::Deployment& deployment, ApiContext& context)
{
  if (deployment.project.empty()) {
    return;
  }
  auto endpoints = context.store.notification_endpoints(deployment.project);
  if (!endpoints) {
    util::log::warn("notify.failed", { { "type", type }, { "error", endpoints.error().message } });
    return;
  }
  const auto body = core::notification_body(
    type, store::wall_clock_ms(), deployment, site_url(context.site_url_template, deployment.id));
  std::vector<store::Notification> notifications;
  for (const auto& endpoint : *endpoints) {
    if (core::wants(endpoint, type)) {
      notifications.push_back({ .id = "msg_" + util::random_hex(12),
                                .endpoint_id = endpoint.id,
                                .project = deployment.project,
                                .type = std::string(type),
                                .body = body });
    }
  }
  if (notifications.empty()) {
    return;
  }
  if (auto added = context.store.add_notifications(notifications, std::nullopt); !added) {
    util::log::warn("notify.failed", { { "type", type }, { "error", added.error().message } });
  }
}

} // namespace reactor::api
