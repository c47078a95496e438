#include "reactor/net/outbox.hpp"

#include <boost/asio/post.hpp>

namespace reactor::net {

Outbox::Outbox(std::size_t max_queued)
  : m_max_queued(max_queued)
{
}

bool
Outbox::send(Message message)
{
  bool wake = false;
  bool accepted = false;
  {
    std::scoped_lock lock(m_mutex);
    if (m_closed) {
      return false;
    }
    if (m_queue.size() >= m_max_queued) {
      m_closed = true;
      m_overflowed = true;
      std::vector<Message>().swap(m_queue);
    } else {
      m_queue.push_back(std::move(message));
      accepted = true;
    }
    wake = take_waiting_reader();
  }
  if (wake) {
    tell_reader();
  }
  return accepted;
}

void
Outbox::close()
{
  bool wake = false;
  {
    std::scoped_lock lock(m_mutex);
    if (m_closed) {
      return;
    }
    m_closed = true;
    wake = take_waiting_reader();
  }
  if (wake) {
    tell_reader();
  }
}

void
Outbox::attach(boost::asio::any_io_executor executor, std::weak_ptr<Reader> reader)
{
  std::scoped_lock lock(m_mutex);
  m_executor = std::move(executor);
  m_reader = std::move(reader);
}

bool
Outbox::take(std::vector<Message>& out)
{
  std::scoped_lock lock(m_mutex);
  if (out.empty()) {
    out.swap(m_queue);
  } else {
    out.insert(
      out.end(), std::make_move_iterator(m_queue.begin()), std::make_move_iterator(m_queue.end()));
    m_queue.clear();
  }
  m_reader_waiting = out.empty() && !m_closed;
  return !(m_closed && out.empty());
}

bool
Outbox::overflowed() const
{
  std::scoped_lock lock(m_mutex);
  return m_overflowed;
}

bool
Outbox::take_waiting_reader()
{
  const bool waiting = m_reader_waiting;
  m_reader_waiting = false;
  return waiting;
}

void
Outbox::tell_reader()
{
  boost::asio::post(m_executor, [reader = m_reader] {
    if (auto alive = reader.lock()) {
      alive->on_outbox_ready();
    }
  });
}

} // namespace reactor::net
