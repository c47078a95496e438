#pragma once

#include "reactor/store/metadata_store.hpp"
#include "reactor/util/error.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace reactor::store {

// Follows the change feed from its end at start(): hands every newer event (or with
// Events::edge only the tombstones and alias moves, all an edge node needs) to `on_events`, in seq
// order, each once, a page at a time. The thread that committed an
// event reads the feed and hands it on (notify), so it takes no thread hop; a thread of
// the follower's own reads it every second too, so a missed notification or a failed
// read only delays it.
class FeedFollower
{
public:
  using OnEvents = std::function<void(const std::vector<core::Event>&)>;
  enum class Events
  {
    all,
    edge
  };

  FeedFollower(MetadataStore& store, OnEvents on_events, Events events = Events::all);
  ~FeedFollower();
  FeedFollower(const FeedFollower&) = delete;
  FeedFollower& operator=(const FeedFollower&) = delete;

  // Fails when the store cannot tell where the feed ends.
  util::Result<void> start();
  void stop();

  // New events were committed: reads the feed and hands them on, on the calling thread,
  // unless another thread is reading it, which then reads again (any thread; call it
  // outside the store's locks, e.g. from MetadataStore::on_change).
  void notify();

private:
  void poll();
  // Reads until the feed is drained, unless another thread is at it.
  void drain();
  void read_new_events();

  MetadataStore& m_store;
  OnEvents m_on_events;
  const Events m_events;
  std::mutex m_reading;   // held by the thread reading the feed
  std::int64_t m_seq = 0; // the last seq handed on, under m_reading
  std::atomic<std::uint64_t> m_notifications = 0;
  std::atomic<bool> m_following = false;

  std::mutex m_stop_mutex;
  std::condition_variable m_stop_requested;
  bool m_stopping = false;
  std::jthread m_thread;
};

} // namespace reactor::store
