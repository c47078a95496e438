#pragma once

#include <cstddef>
#include <deque>
#include <functional>
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

  explicit Outbox(std::size_t max_queued);

  // Queues a message (any thread). False when the outbox is closed or was just closed
  // because the client is too slow.
  bool send(Message message);

  // Asks the transport to end the connection after what is queued (any thread).
  void close();

  // Transport side: called (from the producer's thread) when the queue stops being
  // empty or closes. Pass nullptr when the connection ends.
  void set_waker(std::function<void()> waker);

  // Transport side: moves every queued message to `out`. False once closed and drained.
  bool take(std::vector<Message>& out);

  // True when the outbox closed because the client did not keep up.
  bool overflowed() const;

private:
  void wake(std::unique_lock<std::mutex>& lock);

  const std::size_t m_max_queued;
  mutable std::mutex m_mutex;
  std::deque<Message> m_queue;
  std::function<void()> m_waker;
  bool m_closed = false;
  bool m_overflowed = false;
};

} // namespace reactor::net
