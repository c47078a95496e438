#pragma once

#include "reactor/net/outbox.hpp"
#include "reactor/store/metadata_store.hpp"
#include "reactor/util/error.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reactor::hub {

// Fans the store's change feed out to watchers, in seq order, each event serialised
// once; every watcher of its deployment gets the same buffer through its outbox, and the
// transports are woken once per batch. The process's store::FeedFollower hands it the
// feed, on the thread that committed the events.
class Hub
{
public:
  // `site_domain` names alias hostnames in ALIAS_UPDATE messages.
  Hub(store::MetadataStore& store, std::string site_domain);
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Delivers events read from the change feed, in seq order, to their watchers (any
  // thread; wire it to the process's store::FeedFollower).
  void deliver(const std::vector<core::Event>& events);

  using WatchId = std::uint64_t;

  // How a watcher receives events: /ws JSON messages; Server-Sent Events ("id: <seq>",
  // "data: <json>"); or the bare build-log lines as text. SSE and log streams close after
  // the deployment's final status.
  enum class Format
  {
    websocket,
    sse,
    log_text
  };

  // Starts delivering a deployment's events to `outbox` (blocking: reads the store).
  // With `since`, every stored event after it comes first, then live ones; without, the
  // current status comes first. No event is missed or repeated between the stored part
  // and the live part. The caller checks that the deployment exists.
  util::Result<WatchId> watch(const std::string& deployment_id,
                              std::optional<std::int64_t> since,
                              std::shared_ptr<net::Outbox> outbox,
                              Format format = Format::websocket);
  // Starts delivering a project's events (its deployments' status changes and its
  // aliases' moves) to `outbox`, in the websocket or SSE format; never ends by itself.
  // With `since`, the stored ones after it come first; without, only live ones. The
  // caller checks that the project exists.
  util::Result<WatchId> watch_project(const std::string& project,
                                      std::optional<std::int64_t> since,
                                      std::shared_ptr<net::Outbox> outbox,
                                      Format format = Format::websocket);
  void unwatch(WatchId id);

private:
  struct Watcher;
  struct StringHash
  {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const
    {
      return std::hash<std::string_view>{}(text);
    }
  };
  using WatcherIndex = std::
    unordered_map<std::string, std::vector<std::shared_ptr<Watcher>>, StringHash, std::equal_to<>>;
  util::Result<WatchId> add_watcher(const std::shared_ptr<Watcher>& watcher,
                                    std::optional<std::int64_t> since);
  WatcherIndex& index_of(const Watcher& watcher);

  store::MetadataStore& m_store;
  std::string m_site_domain;
  std::mutex m_mutex;
  WatcherIndex m_by_deployment;
  WatcherIndex m_by_project;
  std::unordered_map<WatchId, std::shared_ptr<Watcher>> m_by_id;
  WatchId m_next_id = 1;
};

} // namespace reactor::hub
