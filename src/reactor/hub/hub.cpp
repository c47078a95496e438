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
  Rendition(const core::Event& event, std::string_view site_domain)
    : m_event(event)
    , m_site_domain(site_domain)
  {
  }

  // nullptr when the format does not show this event to this kind of watcher (log text
  // skips status changes, a project's watchers get status changes and alias moves).
  Message get(Hub::Format format, bool project_wide)
  {
    if (!(project_wide ? shows_project_wide(format) : shows(format))) {
      return nullptr;
    }
    auto& slot = m_messages.at(static_cast<std::size_t>(format));
    if (!slot) {
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

  bool shows_project_wide(Hub::Format format) const
  {
    return format != Hub::Format::log_text &&
           (m_event.kind == core::EventKind::status || m_event.kind == core::EventKind::alias);
  }

  std::string render(Hub::Format format) const
  {
    switch (format) {
      case Hub::Format::sse:
        return sse_message(m_event, m_site_domain);
      case Hub::Format::log_text:
        return m_event.line + "\n";
      case Hub::Format::websocket:
        break;
    }
    return event_message(m_event, m_site_domain);
  }

  const core::Event& m_event;
  std::string_view m_site_domain;
  std::array<Message, 3> m_messages;
};

} // namespace

struct Hub::Watcher
{
  std::string key; // the deployment id, or the project's name when project_wide
  bool project_wide = false;
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
    if (auto message = rendition.get(format, project_wide)) {
      outbox->send(std::move(message), wakeups);
    }
    if (!project_wide && rendition.ends(format)) {
      outbox->close();
    }
  }
};

Hub::Hub(store::MetadataStore& store, std::string site_domain)
  : m_store(store)
  , m_site_domain(std::move(site_domain))
{
}

void
Hub::deliver(const std::vector<core::Event>& events)
{
  net::Outbox::Wakeups wakeups;
  std::scoped_lock lock(m_mutex);
  const auto deliver_to = [&](const WatcherIndex& index,
                              std::string_view key,
                              const core::Event& event,
                              Rendition& rendition) {
    const auto found = index.find(key);
    if (found == index.end()) {
      return;
    }
    for (const auto& watcher : found->second) {
      if (watcher->live) {
        watcher->send(event.seq, rendition, wakeups);
      } else {
        watcher->pending.emplace_back(event.seq, event);
      }
    }
  };
  for (const auto& event : events) {
    Rendition rendition(event, m_site_domain);
    deliver_to(m_by_deployment, event.deployment_id, event, rendition);
    if (!event.project.empty()) {
      deliver_to(m_by_project, event.project, event, rendition);
    }
  }
}

util::Result<Hub::WatchId>
Hub::watch(const std::string& deployment_id,
           std::optional<std::int64_t> since,
           std::shared_ptr<net::Outbox> outbox,
           Format format)
{
  return add_watcher(std::make_shared<Watcher>(Watcher{
                       .key = deployment_id, .outbox = std::move(outbox), .format = format }),
                     since);
}

util::Result<Hub::WatchId>
Hub::watch_project(const std::string& project,
                   std::optional<std::int64_t> since,
                   std::shared_ptr<net::Outbox> outbox,
                   Format format)
{
  return add_watcher(
    std::make_shared<Watcher>(Watcher{
      .key = project, .project_wide = true, .outbox = std::move(outbox), .format = format }),
    since);
}

Hub::WatcherIndex&
Hub::index_of(const Watcher& watcher)
{
  return watcher.project_wide ? m_by_project : m_by_deployment;
}

util::Result<Hub::WatchId>
Hub::add_watcher(const std::shared_ptr<Watcher>& watcher, std::optional<std::int64_t> since)
{
  WatchId id = 0;
  {
    std::scoped_lock lock(m_mutex);
    id = m_next_id++;
    m_by_id.emplace(id, watcher);
    index_of(*watcher)[watcher->key].push_back(watcher);
  }

  // Read the stored part only after registering, so every later event is pending. A
  // project's watch without `since` has no stored part: it starts live.
  std::vector<core::Event> stored;
  std::int64_t cursor = since.value_or(0);
  while (since || !watcher->project_wide) {
    auto page = watcher->project_wide ? m_store.project_events_after(cursor, watcher->key, k_page)
                                      : m_store.events_after(cursor, watcher->key, k_page);
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
  // Without `since`, a deployment's watch gets only its current status (the latest status
  // event, or the deletion).
  if (!since && !watcher->project_wide) {
    const auto latest = std::find_if(stored.rbegin(), stored.rend(), [](const auto& event) {
      return event.kind == core::EventKind::status || event.kind == core::EventKind::deleted;
    });
    stored =
      latest == stored.rend() ? std::vector<core::Event>{} : std::vector<core::Event>{ *latest };
  }

  net::Outbox::Wakeups wakeups;
  std::scoped_lock lock(m_mutex);
  for (const auto& event : stored) {
    Rendition rendition(event, m_site_domain);
    watcher->send(event.seq, rendition, wakeups);
  }
  watcher->cursor = cursor;
  for (const auto& [seq, event] : watcher->pending) {
    Rendition rendition(event, m_site_domain);
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
  auto& index = index_of(*found->second);
  const auto watchers = index.find(found->second->key);
  auto& list = watchers->second;
  const auto entry = std::find(list.begin(), list.end(), found->second);
  *entry = std::move(list.back());
  list.pop_back();
  if (list.empty()) {
    index.erase(watchers);
  }
  m_by_id.erase(found);
}

} // namespace reactor::hub
