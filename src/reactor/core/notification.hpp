#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/util/error.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::core {

// Outgoing notifications: the events of a project's deployments, POSTed to the endpoints
// its owner added and signed as Standard Webhooks sign them (standardwebhooks.com).

// Every event, in its wire spelling.
inline constexpr std::array<std::string_view, 8> k_notification_events = {
  "deployment.queued",   "deployment.building", "deployment.ready",       "deployment.error",
  "deployment.canceled", "deployment.promoted", "deployment.rolled_back", "deployment.deleted"
};

// Where a project's events go.
struct NotificationEndpoint
{
  std::string id; // "ep_" and 16 hex digits
  std::string project;
  std::string url;
  std::vector<std::string> events; // empty: every event
  std::string sealed_secret;       // its "whsec_…" signing secret, util::seal'ed
  std::int64_t created_at_ms = 0;
};

// True when the endpoint asked for events of `type`.
bool wants(const NotificationEndpoint& endpoint, std::string_view type);

// "queued,ready" ⇄ {"queued", "ready"} as the store keeps an endpoint's events.
std::string join_events(const std::vector<std::string>& events);
std::vector<std::string> split_events(std::string_view text);

// What a sealed signing secret is bound to.
std::string notification_secret_associated_data(std::string_view endpoint_id);

// The event a change-feed entry is ("" for none: a log line, a phase change of a build
// under way): PENDING → queued, IN_PROGRESS while cloning → building, DEPLOYED → ready,
// ERROR → error, CANCELED → canceled.
std::string_view notification_type(const Event& event);

// A notification's body: {"type", "timestamp" (ISO 8601), "data": the deployment (id,
// project, branch, pullRequest, commit, status, error, url)}.
std::string notification_body(std::string_view type,
                              std::int64_t at_ms,
                              const Deployment& deployment,
                              std::string_view url);

// A new signing secret: "whsec_" and the base64 of 32 random bytes.
std::string new_signing_secret();

// The webhook-signature header's value: "v1,<base64 HMAC-SHA256 of '<id>.<timestamp>.<body>'>",
// keyed with the base64-decoded part of `secret` after "whsec_"; nullopt for a malformed
// secret.
std::optional<std::string> standard_webhook_signature(std::string_view secret,
                                                      std::string_view id,
                                                      std::int64_t timestamp_s,
                                                      std::string_view body);

// How long to wait after `attempts` failed attempts: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
// 24 h; nullopt once those are spent (the delivery has failed).
std::optional<std::chrono::milliseconds> retry_delay(int attempts);

} // namespace reactor::core
