#include "reactor/store/feed_follower.hpp"

#include "reactor/util/log.hpp"

#include <chrono>
#include <utility>

namespace reactor::store {

namespace {

constexpr int k_page = 1000;
constexpr auto k_poll_period = std::chrono::seconds(1);

} // namespace

FeedFollower::FeedFollower(MetadataStore& store, OnEvents on_events)
  : m_store(store)
  , m_on_events(std::move(on_events))
{
}

FeedFollower::~FeedFollower()
{
  stop();
}

core::Result<void>
FeedFollower::start()
{
  auto last = m_store.last_event_seq();
  if (!last) {
    return std::unexpected(last.error());
  }
  m_seq = *last;
  m_thread = std::jthread([this] { follow(); });
  return {};
}

void
FeedFollower::stop()
{
  {
    std::scoped_lock lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void
FeedFollower::notify()
{
  {
    std::scoped_lock lock(m_mutex);
    ++m_notifications;
  }
  m_changed.notify_one();
}

void
FeedFollower::follow()
{
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(m_mutex);
      m_changed.wait_for(
        lock, k_poll_period, [&] { return m_stopping || m_notifications != seen; });
      if (m_stopping) {
        return;
      }
      seen = m_notifications;
    }
    read_new_events();
  }
}

void
FeedFollower::read_new_events()
{
  for (;;) {
    auto events = m_store.events_after(m_seq, "", k_page);
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
