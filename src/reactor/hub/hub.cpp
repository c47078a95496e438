#include "reactor/hub/hub.hpp"

#include "reactor/hub/messages.hpp"

#include <chrono>
#include <vector>

namespace reactor::hub {

namespace {

constexpr int k_page = 1000;
// The feed is also read on this period, so a missed wake-up only delays delivery.
constexpr auto k_poll_period = std::chrono::seconds(1);

using Message = net::Outbox::Message;

Message
share(std::string text)
{
  return std::make_shared<const std::string>(std::move(text));
}

} // namespace

struct Hub::Watcher
{
  std::string deployment_id;
  std::shared_ptr<net::Outbox> outbox;
  // Until the stored part is sent, live events wait here.
  bool live = false;
  std::vector<std::pair<std::int64_t, Message>> pending;
  std::int64_t cursor = 0; // the last seq sent
};

Hub::Hub(store::MetadataStore& store)
  : m_store(store)
{
}

Hub::~Hub()
{
  stop();
}

core::Result<void>
Hub::start()
{
  auto last = m_store.last_event_seq();
  if (!last) {
    return std::unexpected(last.error());
  }
  m_feed_seq = *last;
  m_thread = std::jthread([this] { follow_feed(); });
  return {};
}

void
Hub::stop()
{
  {
    std::scoped_lock lock(m_feed_mutex);
    m_stopping = true;
  }
  m_feed_changed.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void
Hub::notify()
{
  {
    std::scoped_lock lock(m_feed_mutex);
    ++m_notifications;
  }
  m_feed_changed.notify_one();
}

void
Hub::follow_feed()
{
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(m_feed_mutex);
      m_feed_changed.wait_for(
        lock, k_poll_period, [&] { return m_stopping || m_notifications != seen; });
      if (m_stopping) {
        return;
      }
      seen = m_notifications;
    }
    for (;;) {
      auto events = m_store.events_after(m_feed_seq, "", k_page);
      if (!events || events->empty()) {
        break;
      }
      for (const auto& event : *events) {
        deliver(event);
        m_feed_seq = event.seq;
      }
      if (events->size() < k_page) {
        break;
      }
    }
  }
}

void
Hub::deliver(const core::Event& event)
{
  std::scoped_lock lock(m_mutex);
  auto [begin, end] = m_by_deployment.equal_range(event.deployment_id);
  if (begin == end) {
    return;
  }
  const Message message = share(event_message(event));
  for (auto it = begin; it != end; ++it) {
    Watcher& watcher = *it->second;
    if (!watcher.live) {
      watcher.pending.emplace_back(event.seq, message);
    } else if (event.seq > watcher.cursor) {
      watcher.outbox->send(message);
      watcher.cursor = event.seq;
    }
  }
}

core::Result<Hub::WatchId>
Hub::watch(const std::string& deployment_id,
           std::optional<std::int64_t> since,
           std::shared_ptr<net::Outbox> outbox)
{
  auto watcher = std::make_shared<Watcher>();
  watcher->deployment_id = deployment_id;
  watcher->outbox = std::move(outbox);
  WatchId id = 0;
  {
    std::scoped_lock lock(m_mutex);
    id = m_next_id++;
    m_by_id.emplace(id, watcher);
    m_by_deployment.emplace(deployment_id, watcher);
  }

  // Read the stored part only after registering, so every later event is pending.
  std::vector<core::Event> stored;
  std::int64_t cursor = since.value_or(0);
  for (;;) {
    auto page = m_store.events_after(cursor, deployment_id, k_page);
    if (!page) {
      unwatch(id);
      return std::unexpected(page.error());
    }
    for (auto& event : *page) {
      cursor = event.seq;
      stored.push_back(std::move(event));
    }
    if (page->size() < k_page) {
      break;
    }
  }

  std::vector<Message> first;
  if (since) {
    for (const auto& event : stored) {
      first.push_back(share(event_message(event)));
    }
  } else {
    for (auto it = stored.rbegin(); it != stored.rend(); ++it) {
      if (it->kind == core::EventKind::status) {
        first.push_back(share(event_message(*it)));
        break;
      }
    }
  }

  std::scoped_lock lock(m_mutex);
  for (auto& message : first) {
    watcher->outbox->send(std::move(message));
  }
  for (auto& [seq, message] : watcher->pending) {
    if (seq > cursor) {
      watcher->outbox->send(std::move(message));
      cursor = seq;
    }
  }
  watcher->pending.clear();
  watcher->cursor = cursor;
  watcher->live = true;
  return id;
}

void
Hub::unwatch(WatchId id)
{
  std::scoped_lock lock(m_mutex);
  const auto found = m_by_id.find(id);
  if (found == m_by_id.end()) {
    return;
  }
  auto [begin, end] = m_by_deployment.equal_range(found->second->deployment_id);
  for (auto it = begin; it != end; ++it) {
    if (it->second == found->second) {
      m_by_deployment.erase(it);
      break;
    }
  }
  m_by_id.erase(found);
}

} // namespace reactor::hub
