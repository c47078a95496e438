#include "reactor/net/outbox.hpp"

namespace reactor::net {

Outbox::Outbox(std::size_t max_queued)
  : m_max_queued(max_queued)
{
}

bool
Outbox::send(Message message)
{
  std::unique_lock lock(m_mutex);
  if (m_closed) {
    return false;
  }
  if (m_queue.size() >= m_max_queued) {
    m_closed = true;
    m_overflowed = true;
    m_queue.clear();
    wake(lock);
    return false;
  }
  m_queue.push_back(std::move(message));
  if (m_queue.size() == 1) {
    wake(lock);
  }
  return true;
}

void
Outbox::close()
{
  std::unique_lock lock(m_mutex);
  if (!m_closed) {
    m_closed = true;
    wake(lock);
  }
}

void
Outbox::set_waker(std::function<void()> waker)
{
  std::scoped_lock lock(m_mutex);
  m_waker = std::move(waker);
}

bool
Outbox::take(std::vector<Message>& out)
{
  std::scoped_lock lock(m_mutex);
  for (auto& message : m_queue) {
    out.push_back(std::move(message));
  }
  m_queue.clear();
  return !(m_closed && out.empty());
}

bool
Outbox::overflowed() const
{
  std::scoped_lock lock(m_mutex);
  return m_overflowed;
}

void
Outbox::wake(std::unique_lock<std::mutex>& lock)
{
  auto waker = m_waker;
  lock.unlock();
  if (waker) {
    waker();
  }
}

} // namespace reactor::net
