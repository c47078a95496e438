#include "reactor/core/notification.hpp"

#include "reactor/util/base64.hpp"
#include "reactor/util/random.hpp"
#include "reactor/util/sha256.hpp"
#include "reactor/util/text.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace reactor::core {

bool
wants(const NotificationEndpoint& endpoint, std::string_view type)
{
  return endpoint.events.empty() ||
         std::ranges::find(endpoint.events, type) != endpoint.events.end();
}

std::string
join_events(const std::vector<std::string>& events)
{
  std::string text;
  for (const auto& event : events) {
    text += (text.empty() ? "" : ",") + event;
  }
  return text;
}

std::vector<std::string>
split_events(std::string_view text)
{
  std::vector<std::string> events;
  while (!text.empty()) {
    const auto comma = text.find(',');
    events.emplace_back(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return events;
}

std::string
notification_secret_associated_data(std::string_view endpoint_id)
{
  return "notification-secret:" + std::string(endpoint_id);
}

std::string_view
notification_type(const Event& event)
{
  if (event.kind != EventKind::status) {
    return {};
  }
  switch (event.status) {
    case Status::pending:
      return "deployment.queued";
    case Status::in_progress:
      return event.phase == Phase::cloning ? "deployment.building" : "";
    case Status::deployed:
      return "deployment.ready";
    case Status::error:
      return "deployment.error";
    case Status::canceled:
      return "deployment.canceled";
  }
  return {};
}

std::string
notification_body(std::string_view type,
                  std::int64_t at_ms,
                  const Deployment& deployment,
                  std::string_view url)
{
  const auto text_or_null = [](const std::string& text) {
    return text.empty() ? boost::json::value(nullptr) : boost::json::value(text);
  };
  boost::json::object data{
    { "id", deployment.id },
    { "project", deployment.project },
    { "branch", text_or_null(deployment.branch) },
    { "pullRequest",
      deployment.pull_request > 0 ? boost::json::value(deployment.pull_request)
                                  : boost::json::value(nullptr) },
    { "commit", text_or_null(deployment.commit) },
    { "status", to_string(deployment.status) },
    { "error", text_or_null(deployment.error) },
    { "url", url },
  };
  return boost::json::serialize(boost::json::object{
    { "type", type }, { "timestamp", util::iso8601(at_ms) }, { "data", std::move(data) } });
}

std::string
new_signing_secret()
{
  return "whsec_" + util::base64_encode(util::random_bytes(32));
}

std::optional<std::string>
standard_webhook_signature(std::string_view secret,
                           std::string_view id,
                           std::int64_t timestamp_s,
                           std::string_view body)
{
  constexpr std::string_view k_prefix = "whsec_";
  if (!secret.starts_with(k_prefix)) {
    return std::nullopt;
  }
  const auto key = util::base64_decode(secret.substr(k_prefix.size()));
  if (!key || key->empty()) {
    return std::nullopt;
  }
  const std::string signed_content =
    std::string(id) + "." + std::to_string(timestamp_s) + "." + std::string(body);
  return "v1," + util::base64_encode(util::hmac_sha256(*key, signed_content));
}

std::optional<std::chrono::milliseconds>
retry_delay(int attempts)
{
  using namespace std::chrono;
  static constexpr std::array<milliseconds, 7> k_schedule{ seconds(5), minutes(5), minutes(30),
                                                           hours(2),   hours(5),   hours(10),
                                                           hours(24) };
  if (attempts < 1 || static_cast<std::size_t>(attempts) > k_schedule.size()) {
    return std::nullopt;
  }
  return k_schedule.at(static_cast<std::size_t>(attempts) - 1);
}

} // namespace reactor::core
