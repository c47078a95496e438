#include "reactor/store/feed_follower.hpp"

#include "reactor/util/log.hpp"

#include <chrono>
#include <utility>

namespace reactor::store {

namespace {

constexpr int k_page = 1000;
constexpr auto k_poll_period = std::chrono::seconds(1);

} // namespace

FeedFollower::FeedFollower(MetadataStore& store, OnEvents on_events, Events events)
  : m_store(store)
  , m_on_events(std::move(on_events))
  , m_events(events)
{
}

FeedFollower::~FeedFollower()
{
  stop();
}

util::Result<void>
FeedFollower::start()
{
  auto last = m_store.last_event_seq();
  if (!last) {
    return std::unexpected(last.error());
  }
  m_seq = *last;
  m_following = true;
  m_thread = std::jthread([this] { poll(); });
  return {};
}

void
FeedFollower::stop()
{
  m_following = false;
  {
    std::scoped_lock lock(m_stop_mutex);
    m_stopping = true;
  }
  m_stop_requested.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  std::scoped_lock reading(m_reading); // a notifying thread may still be handing on
}

void
FeedFollower::notify()
{
  m_notifications.fetch_add(1, std::memory_order_acq_rel);
  drain();
}

void
FeedFollower::poll()
{
  for (;;) {
    {
      std::unique_lock lock(m_stop_mutex);
      if (m_stop_requested.wait_for(lock, k_poll_period, [this] { return m_stopping; })) {
        return;
      }
    }
    drain();
  }
}

void
FeedFollower::drain()
{
  // A notification that arrives while another thread reads makes that thread read again
  // after it lets go, so no committed event waits for the poll.
  while (m_following.load(std::memory_order_acquire) && m_reading.try_lock()) {
    const auto seen = m_notifications.load(std::memory_order_acquire);
    read_new_events();
    m_reading.unlock();
    if (m_notifications.load(std::memory_order_acquire) == seen) {
      return;
    }
  }
}

void
FeedFollower::read_new_events()
{
  for (;;) {
    auto events = m_events == Events::all ? m_store.events_after(m_seq, "", k_page)
                                          : m_store.edge_events_after(m_seq, k_page);
    if (!events) {
      util::log::warn("feed.unreadable",
                      { { "after", m_seq }, { "error", events.error().message } });
      return;
    }
    if (events->empty()) {
      return;
    }
    m_on_events(*events);
    m_seq = events->back().seq;
    if (events->size() < k_page) {
      return;
    }
  }
}

} // namespace reactor::store
