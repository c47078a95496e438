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
  // reader is told of the next one (or the message is written directly, see below).
  // `first_sent` gets how many bytes of the first message's frame a direct write sent
  // already. False once closed and drained.
  bool take(std::vector<Message>& out, std::size_t* first_sent = nullptr);

  // Sends a message, framed, on a non-blocking socket without waiting: true when the
  // whole frame went out, else `sent` says how much did (0 on an error, which the
  // transport meets on its own next write).
  using DirectWrite = bool (*)(int fd, const std::string& message, std::size_t& sent);

  // Transport side: while the reader is idle (nothing queued, nothing being written), a
  // producer writes its message to `fd` itself, on its own thread, instead of waking the
  // reader on the transport's: no thread hop, no wake-up. Stops at close(), which the
  // transport must call before it closes `fd`.
  void allow_direct_writes(int fd, DirectWrite write);

  // Transport side: take() for a reader about to write something of its own (a control
  // frame): producers queue from now on, even when nothing was queued, until a take()
  // finds nothing.
  bool claim(std::vector<Message>& out, std::size_t* first_sent);

  // True when the outbox closed because the client did not keep up.
  bool overflowed() const;

private:
  // Queues the message; true when the reader waited and must now be told.
  bool queue(Message message, bool& accepted);
  // With the mutex held: the reader waited and must now be told.
  bool take_waiting_reader();
  // With the mutex held: moves what is queued to `out`.
  bool take_queued(std::vector<Message>& out, std::size_t* first_sent);
  void tell_reader();

  const std::size_t m_max_queued;
  mutable std::mutex m_mutex;
  std::vector<Message> m_queue;
  boost::asio::any_io_executor m_executor;
  std::weak_ptr<Reader> m_reader;
  bool m_reader_waiting = false;
  int m_direct_fd = -1;
  DirectWrite m_direct_write = nullptr;
  std::size_t m_first_sent = 0; // of m_queue.front()'s frame, by a direct write
  bool m_closed = false;
  bool m_overflowed = false;
};

} // namespace reactor::net
