#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace reactor::net {

// The queue of messages waiting to be written to one streaming client (WebSocket or
// SSE). Producers on any thread share one serialised buffer among all clients; a client
// that falls too far behind is closed instead of holding up anyone else.
class Outbox
{
public:
  using Message = std::shared_ptr<const std::string>;

  // The transport that drains the outbox.
  class Reader
  {
  public:
    // There is something to take (or the outbox closed). Runs on the reader's executor.
    virtual void on_outbox_ready() = 0;

  protected:
    ~Reader() = default;
  };

  // Readers to tell after queuing many messages, told with one post per executor
  // instead of one per outbox.
  class Wakeups
  {
  public:
    Wakeups() = default;
    Wakeups(const Wakeups&) = delete;
    Wakeups& operator=(const Wakeups&) = delete;
    ~Wakeups() { post(); }

    // Tells every reader collected so far.
    void post();

  private:
    friend class Outbox;
    void add(const boost::asio::any_io_executor& executor, std::weak_ptr<Reader> reader);

    std::vector<std::pair<boost::asio::any_io_executor, std::vector<std::weak_ptr<Reader>>>>
      m_by_executor;
  };

  explicit Outbox(std::size_t max_queued);

  // Queues a message (any thread). False when the outbox is closed or was just closed
  // because the client is too slow.
  bool send(Message message);
  // The same, leaving the reader's wake-up to `wakeups`.
  bool send(Message message, Wakeups& wakeups);

  // Asks the transport to end the connection after what is queued (any thread).
  void close();

  // Transport side: `reader` is told on `executor` whenever take() found nothing and a
  // message (or the close) arrives since.
  void attach(boost::asio::any_io_executor executor, std::weak_ptr<Reader> reader);

  // Transport side: appends every queued message to `out`; when there is none, the
  // reader is told of the next one. False once closed and drained.
  bool take(std::vector<Message>& out);

  // True when the outbox closed because the client did not keep up.
  bool overflowed() const;

private:
  // Queues the message; true when the reader waited and must now be told.
  bool queue(Message message, bool& accepted);
  // With the mutex held: the reader waited and must now be told.
  bool take_waiting_reader();
  void tell_reader();

  const std::size_t m_max_queued;
  mutable std::mutex m_mutex;
  std::vector<Message> m_queue;
  boost::asio::any_io_executor m_executor;
  std::weak_ptr<Reader> m_reader;
  bool m_reader_waiting = false;
  bool m_closed = false;
  bool m_overflowed = false;
};

} // namespace reactor::net
