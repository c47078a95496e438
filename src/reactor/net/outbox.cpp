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
  bool accepted = false;
  if (queue(std::move(message), accepted)) {
    tell_reader();
  }
  return accepted;
}

bool
Outbox::send(Message message, Wakeups& wakeups)
{
  bool accepted = false;
  if (queue(std::move(message), accepted)) {
    wakeups.add(m_executor, m_reader);
  }
  return accepted;
}

bool
Outbox::queue(Message message, bool& accepted)
{
  std::scoped_lock lock(m_mutex);
  if (m_closed) {
    return false;
  }
  if (m_queue.size() >= m_max_queued) {
    m_closed = true;
    m_overflowed = true;
    std::vector<Message>().swap(m_queue);
    return take_waiting_reader();
  }
  accepted = true;
  if (m_reader_waiting && m_direct_write != nullptr) {
    // The reader is idle and nothing is queued: write now, under the mutex, so that the
    // reader (which claims the socket through it) never writes at the same time.
    std::size_t sent = 0;
    if (m_direct_write(m_direct_fd, *message, sent)) {
      return false;
    }
    m_first_sent = sent;
  }
  m_queue.push_back(std::move(message));
  return take_waiting_reader();
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
    m_direct_write = nullptr; // the transport may close the descriptor from now on
    wake = take_waiting_reader();
  }
  if (wake) {
    tell_reader();
  }
}

void
Outbox::allow_direct_writes(int fd, DirectWrite write)
{
  std::scoped_lock lock(m_mutex);
  m_direct_fd = fd;
  m_direct_write = write;
}

void
Outbox::attach(boost::asio::any_io_executor executor, std::weak_ptr<Reader> reader)
{
  std::scoped_lock lock(m_mutex);
  m_executor = std::move(executor);
  m_reader = std::move(reader);
}

bool
Outbox::take(std::vector<Message>& out, std::size_t* first_sent)
{
  std::scoped_lock lock(m_mutex);
  const bool open = take_queued(out, first_sent);
  m_reader_waiting = out.empty() && !m_closed;
  return open;
}

bool
Outbox::claim(std::vector<Message>& out, std::size_t* first_sent)
{
  std::scoped_lock lock(m_mutex);
  m_reader_waiting = false;
  return take_queued(out, first_sent);
}

bool
Outbox::take_queued(std::vector<Message>& out, std::size_t* first_sent)
{
  if (first_sent != nullptr) {
    *first_sent = out.empty() ? m_first_sent : 0;
  }
  m_first_sent = 0;
  if (out.empty()) {
    out.swap(m_queue);
  } else {
    out.insert(
      out.end(), std::make_move_iterator(m_queue.begin()), std::make_move_iterator(m_queue.end()));
    m_queue.clear();
  }
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

void
Outbox::Wakeups::add(const boost::asio::any_io_executor& executor, std::weak_ptr<Reader> reader)
{
  for (auto& [known, readers] : m_by_executor) {
    if (known == executor) {
      readers.push_back(std::move(reader));
      return;
    }
  }
  m_by_executor.emplace_back(executor, std::vector{ std::move(reader) });
}

void
Outbox::Wakeups::post()
{
  for (auto& [executor, readers] : m_by_executor) {
    boost::asio::post(executor, [batch = std::move(readers)] {
      for (const auto& reader : batch) {
        if (auto alive = reader.lock()) {
          alive->on_outbox_ready();
        }
      }
    });
  }
  m_by_executor.clear();
}

} // namespace reactor::net
