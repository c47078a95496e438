#pragma once

#include "reactor/core/error.hpp"
#include "reactor/net/outbox.hpp"
#include "reactor/store/feed_follower.hpp"
#include "reactor/store/metadata_store.hpp"

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
// once; every watcher of its deployment gets the same buffer through its outbox. The feed
// is followed by a store::FeedFollower: the thread that committed an event delivers it.
class Hub
{
public:
  explicit Hub(store::MetadataStore& store);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Starts following the feed from its current end.
  core::Result<void> start();
  void stop();

  // New events were committed: reads the feed and delivers them on the calling thread,
  // unless another thread is reading it, which then reads again (any thread; call it
  // outside the store's locks).
  void notify();

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
  core::Result<WatchId> watch(const std::string& deployment_id,
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

  // Queues each event to its watchers; their transports are woken once per batch.
  void deliver(const std::vector<core::Event>& events);

  store::MetadataStore& m_store;
  std::mutex m_mutex;
  std::
    unordered_map<std::string, std::vector<std::shared_ptr<Watcher>>, StringHash, std::equal_to<>>
      m_by_deployment;
  std::unordered_map<WatchId, std::shared_ptr<Watcher>> m_by_id;
  WatchId m_next_id = 1;

  store::FeedFollower m_feed; // last: stopped before the watchers go
};

} // namespace reactor::hub
