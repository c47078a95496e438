#pragma once

#include "reactor/core/error.hpp"
#include "reactor/store/metadata_store.hpp"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace reactor::store {

// Follows the change feed on one thread, from its end at start(): hands every newer
// event to `on_events`, in seq order, each once, a page at a time. Woken by notify()
// (wire it to MetadataStore::on_change) and every second anyway, so a missed wake-up or a
// failed read only delays it.
class FeedFollower
{
public:
  using OnEvents = std::function<void(const std::vector<core::Event>&)>;

  FeedFollower(MetadataStore& store, OnEvents on_events);
  ~FeedFollower();
  FeedFollower(const FeedFollower&) = delete;
  FeedFollower& operator=(const FeedFollower&) = delete;

  // Fails when the store cannot tell where the feed ends.
  core::Result<void> start();
  void stop();

  // New events were committed (any thread, cheap).
  void notify();

private:
  void follow();
  void read_new_events();

  MetadataStore& m_store;
  OnEvents m_on_events;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::uint64_t m_notifications = 0;
  bool m_stopping = false;
  std::int64_t m_seq = 0; // the last seq handed on; only the thread touches it once started
  std::jthread m_thread;
};

} // namespace reactor::store
