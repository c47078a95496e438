#include "reactor/notify/notifier.hpp"

#include "reactor/core/notification.hpp"
#include "reactor/notify/sender.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/random.hpp"

#include <algorithm>
#include <map>
#include <thread>
#include <vector>

namespace reactor::notify {

namespace {

constexpr int k_event_batch = 500;
constexpr int k_send_batch = 20;
constexpr auto k_poll = std::chrono::milliseconds(500);

std::int64_t
now_ms()
{
  return store::wall_clock_ms();
}

} // namespace

Notifier::Notifier(store::MetadataStore& store, NotifierOptions options)
  : m_store(store)
  , m_options(std::move(options))
{
}

Notifier::~Notifier()
{
  stop();
}

void
Notifier::start()
{
  m_thread = std::thread([this] { run(); });
}

void
Notifier::stop()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void
Notifier::run()
{
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    lock.unlock();
    auto more = fan_out();
    if (!more) {
      util::log::warn("notify.feed_failed", { { "error", more.error().message } });
    }
    send_due();
    lock.lock();
    if (!more || !*more) {
      m_wake.wait_for(lock, k_poll, [this] { return m_stopping; });
    }
  }
}

util::Result<bool>
Notifier::fan_out()
{
  auto cursor = m_store.notifier_cursor();
  if (!cursor) {
    return std::unexpected(cursor.error());
  }
  const auto& from = *cursor;
  if (!from) { // the first time: notify what happens from now on, not the history
    auto last = m_store.last_event_seq();
    if (!last) {
      return std::unexpected(last.error());
    }
    auto started = m_store.add_notifications({}, store::CursorMove{ std::nullopt, *last });
    if (!started) {
      return std::unexpected(started.error());
    }
    return false;
  }
  auto events = m_store.events_after(*from, "", k_event_batch);
  if (!events) {
    return std::unexpected(events.error());
  }
  if (events->empty()) {
    return false;
  }
  std::map<std::string, std::vector<core::NotificationEndpoint>, std::less<>> endpoints;
  std::vector<store::Notification> notifications;
  for (const auto& event : *events) {
    const auto type = core::notification_type(event);
    if (type.empty() || event.project.empty()) {
      continue;
    }
    auto known = endpoints.find(event.project);
    if (known == endpoints.end()) {
      auto read = m_store.notification_endpoints(event.project);
      if (!read) {
        return std::unexpected(read.error());
      }
      known = endpoints.emplace(event.project, std::move(*read)).first;
    }
    if (std::ranges::none_of(known->second, [&](const auto& e) { return core::wants(e, type); })) {
      continue;
    }
    auto found = m_store.find_deployment(event.deployment_id);
    if (!found) {
      return std::unexpected(found.error());
    }
    auto& deployment = *found;
    if (!deployment) {
      continue; // deleted since
    }
    deployment->status = event.status; // as it was at the event
    deployment->error = event.error;
    const auto body =
      core::notification_body(type, now_ms(), *deployment, m_options.site_url(deployment->id));
    for (const auto& endpoint : known->second) {
      if (core::wants(endpoint, type)) {
        notifications.push_back({ .id = "msg_" + util::random_hex(12),
                                  .endpoint_id = endpoint.id,
                                  .project = event.project,
                                  .type = std::string(type),
                                  .body = body });
      }
    }
  }
  auto added =
    m_store.add_notifications(notifications, store::CursorMove{ from, events->back().seq });
  if (!added) {
    return std::unexpected(added.error());
  }
  return static_cast<int>(events->size()) == k_event_batch;
}

void
Notifier::send_due()
{
  // Longer than the whole batch can take at one endpoint: a lease never ends while its
  // sender still waits.
  const auto lease = std::chrono::duration_cast<std::chrono::milliseconds>(
    m_options.timeout * k_send_batch + std::chrono::seconds(30));
  auto leased = m_store.lease_notifications(lease, k_send_batch);
  if (!leased) {
    util::log::warn("notify.lease_failed", { { "error", leased.error().message } });
    return;
  }
  // Each endpoint's in the order they are due (a build's queued before its building), and
  // the endpoints at once, each on a thread of its own: a receiver that answers slowly (up
  // to the timeout) holds no other one back.
  std::map<std::string, std::vector<store::NotificationSend>> by_endpoint;
  for (auto& due : *leased) {
    by_endpoint[due.notification.endpoint_id].push_back(std::move(due));
  }
  std::vector<std::jthread> senders;
  senders.reserve(by_endpoint.size());
  for (auto& [endpoint, sends] : by_endpoint) {
    senders.emplace_back([this, &sends] {
      for (auto& due : sends) {
        send(std::move(due));
      }
    });
  }
}

void
Notifier::send(store::NotificationSend due)
{
  auto& notification = due.notification;
  const auto sent_at = now_ms();
  SendResult result;
  if (m_options.secrets_key == nullptr) {
    result.error = "this node has no secrets key to sign with (--secrets-key-file)";
  } else if (auto secret = util::open_sealed(
               *m_options.secrets_key,
               due.sealed_secret,
               core::notification_secret_associated_data(notification.endpoint_id));
             !secret) {
    result.error = "the endpoint's secret cannot be opened: give every node the same "
                   "--secrets-key-file";
  } else {
    const auto timestamp = sent_at / 1000;
    const auto signature =
      core::standard_webhook_signature(*secret, notification.id, timestamp, notification.body);
    result = post_json(due.url,
                       { "webhook-id: " + notification.id,
                         "webhook-timestamp: " + std::to_string(timestamp),
                         "webhook-signature: " + signature.value_or("") },
                       notification.body,
                       m_options.allow_loopback,
                       m_options.timeout);
  }
  notification.attempts += 1;
  notification.last_status = result.status;
  notification.last_at_ms = sent_at;
  notification.last_error = result.error.empty() && (result.status < 200 || result.status > 299)
                              ? "HTTP " + std::to_string(result.status)
                              : result.error;
  if (result.status >= 200 && result.status <= 299) {
    notification.state = "delivered";
    notification.last_error.clear();
  } else if (result.status == 410) { // Gone: the receiver asks for no more
    notification.state = "stopped";
  } else if (const auto delay = core::retry_delay(notification.attempts)) {
    notification.next_at_ms = now_ms() + delay->count();
  } else {
    notification.state = "failed";
  }
  util::log::info("notify.sent",
                  { { "id", notification.id },
                    { "project", notification.project },
                    { "type", notification.type },
                    { "status", result.status },
                    { "state", notification.state },
                    { "attempts", notification.attempts },
                    { "error", notification.last_error } });
  if (auto recorded = m_store.record_notification_attempt(notification); !recorded) {
    util::log::warn("notify.record_failed",
                    { { "id", notification.id }, { "error", recorded.error().message } });
  }
}

} // namespace reactor::notify
