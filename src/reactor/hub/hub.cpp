#include "reactor/hub/hub.hpp"

#include "reactor/hub/messages.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace reactor::hub {

namespace {

constexpr int k_page = 1000;

using Message = net::Outbox::Message;

// One event as each format shows it, each rendered at most once however many watch it.
class Rendition
{
public:
  explicit Rendition(const core::Event& event)
    : m_event(event)
  {
  }

  // nullptr when the format does not show this event (log text skips status changes).
  Message get(Hub::Format format)
  {
    auto& slot = m_messages.at(static_cast<std::size_t>(format));
    if (!slot && shows(format)) {
      slot = std::make_shared<const std::string>(render(format));
    }
    return slot;
  }

  // SSE and log streams end once the deployment's outcome is sent, or at its deletion.
  bool ends(Hub::Format format) const
  {
    const bool final = m_event.kind == core::EventKind::deleted ||
                       (m_event.kind == core::EventKind::status && core::is_final(m_event.status));
    return format != Hub::Format::websocket && final;
  }

private:
  // A deletion (SYSTEM) and an alias move (ALIAS_UPDATE) are messages on /ws only: SSE
  // clients know status and log events.
  bool shows(Hub::Format format) const
  {
    if (m_event.kind == core::EventKind::project) {
      return false; // for edges: a project's protection or skew settings changed
    }
    if (m_event.kind == core::EventKind::deleted || m_event.kind == core::EventKind::alias) {
      return format == Hub::Format::websocket;
    }
    return format != Hub::Format::log_text || m_event.kind == core::EventKind::log;
  }

  std::string render(Hub::Format format) const
  {
    switch (format) {
      case Hub::Format::sse:
        return sse_message(m_event);
      case Hub::Format::log_text:
        return m_event.line + "\n";
      case Hub::Format::websocket:
        break;
    }
    return event_message(m_event);
  }

  const core::Event& m_event;
  std::array<Message, 3> m_messages;
};

} // namespace

struct Hub::Watcher
{
  std::string deployment_id;
  std::shared_ptr<net::Outbox> outbox;
  Format format = Format::websocket;
  // Until the stored part is sent, live events wait here.
  bool live = false;
  std::vector<std::pair<std::int64_t, core::Event>> pending;
  std::int64_t cursor = 0; // the last seq sent

  // Sends the event unless already sent; closes the outbox after an outcome it ends on.
  void send(std::int64_t seq, Rendition& rendition, net::Outbox::Wakeups& wakeups)
  {
    if (seq <= cursor) {
      return;
    }
    cursor = seq;
    if (auto message = rendition.get(format)) {
      outbox->send(std::move(message), wakeups);
    }
    if (rendition.ends(format)) {
      outbox->close();
    }
  }
};

Hub::Hub(store::MetadataStore& store)
  : m_store(store)
{
}

void
Hub::deliver(const std::vector<core::Event>& events)
{
  net::Outbox::Wakeups wakeups;
  std::scoped_lock lock(m_mutex);
  for (const auto& event : events) {
    const auto found = m_by_deployment.find(event.deployment_id);
    if (found == m_by_deployment.end()) {
      continue;
    }
    Rendition rendition(event);
    for (const auto& watcher : found->second) {
      if (watcher->live) {
        watcher->send(event.seq, rendition, wakeups);
      } else {
        watcher->pending.emplace_back(event.seq, event);
      }
    }
  }
}

util::Result<Hub::WatchId>
Hub::watch(const std::string& deployment_id,
           std::optional<std::int64_t> since,
           std::shared_ptr<net::Outbox> outbox,
           Format format)
{
  auto watcher = std::make_shared<Watcher>();
  watcher->deployment_id = deployment_id;
  watcher->outbox = std::move(outbox);
  watcher->format = format;
  WatchId id = 0;
  {
    std::scoped_lock lock(m_mutex);
    id = m_next_id++;
    m_by_id.emplace(id, watcher);
    m_by_deployment[deployment_id].push_back(watcher);
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
  // Without `since`, only the current status (the latest status event, or the deletion)
  // is sent.
  if (!since) {
    const auto latest = std::find_if(stored.rbegin(), stored.rend(), [](const auto& event) {
      return event.kind == core::EventKind::status || event.kind == core::EventKind::deleted;
    });
    stored =
      latest == stored.rend() ? std::vector<core::Event>{} : std::vector<core::Event>{ *latest };
  }

  net::Outbox::Wakeups wakeups;
  std::scoped_lock lock(m_mutex);
  for (const auto& event : stored) {
    Rendition rendition(event);
    watcher->send(event.seq, rendition, wakeups);
  }
  watcher->cursor = cursor;
  for (const auto& [seq, event] : watcher->pending) {
    Rendition rendition(event);
    watcher->send(seq, rendition, wakeups);
  }
  watcher->pending.clear();
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
  const auto watchers = m_by_deployment.find(found->second->deployment_id);
  auto& list = watchers->second;
  const auto entry = std::find(list.begin(), list.end(), found->second);
  *entry = std::move(list.back());
  list.pop_back();
  if (list.empty()) {
    m_by_deployment.erase(watchers);
  }
  m_by_id.erase(found);
}

} // namespace reactor::hub
