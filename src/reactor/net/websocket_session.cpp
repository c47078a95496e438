#include "reactor/net/sessions.hpp"
#include "reactor/net/websocket_frame.hpp"
#include "reactor/util/metrics.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <sys/socket.h>
#include <vector>

namespace reactor::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Larger messages end the connection; the peer decides what smaller ones may be.
constexpr std::size_t k_max_message = 1024 * 1024;
// A peer silent this long is pinged; silent for the whole idle timeout, it is dropped.
constexpr auto k_ping_after = std::chrono::seconds(30);
constexpr auto k_idle_timeout = std::chrono::seconds(60);
constexpr auto k_sweep_period = std::chrono::seconds(10);
// Reads go through one buffer per network thread; a connection keeps bytes only for an
// incomplete frame.
constexpr std::size_t k_scratch = 64 * 1024;

class Connection;

// The live WebSocket connections of one io_context, swept on one timer: pinged when
// silent, dropped when silent too long. One timer per thread instead of one per
// connection.
class Sweep : public asio::io_context::service
{
public:
  static asio::io_context::id id;

  explicit Sweep(asio::io_context& context)
    : asio::io_context::service(context)
    , m_timer(std::in_place, context)
  {
  }

  void add(Connection& connection);
  void remove(Connection& connection);

private:
  void shutdown() override { m_timer.reset(); }
  void arm();
  void sweep();

  std::optional<asio::steady_timer> m_timer;
  Connection* m_first = nullptr;
  bool m_armed = false;
};

asio::io_context::id Sweep::id;

// One WebSocket connection after the handshake. Reads are callbacks on the socket
// becoming readable, so an idle connection holds no buffer and no coroutine.
class Connection : public std::enable_shared_from_this<Connection>
{
public:
  Connection(tcp::socket socket,
             std::shared_ptr<WebSocketPeer> peer,
             std::shared_ptr<Outbox> outbox)
    : m_socket(std::move(socket))
    , m_peer(std::move(peer))
    , m_outbox(std::move(outbox))
    , m_wakeup(m_socket.get_executor(), asio::steady_timer::time_point::max())
    , m_sweep(asio::use_service<Sweep>(static_cast<asio::io_context&>(
        asio::query(m_socket.get_executor(), asio::execution::context))))
  {
    m_sweep.add(*this);
  }

  ~Connection() { m_sweep.remove(*this); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading (with bytes the client sent after its handshake) and writing.
  void start(std::string_view early_bytes);

  // Pings a silent peer, drops one silent too long.
  void on_sweep(Clock::time_point now);

  Connection* sweep_previous = nullptr;
  Connection* sweep_next = nullptr;

private:
  friend asio::awaitable<void> write_loop(std::shared_ptr<Connection> self);

  void wait_readable();
  void on_readable();
  // Consumes whole frames from `bytes`; returns how many bytes it used.
  std::size_t read_frames(std::span<char> bytes);
  void send_control(std::string frame, bool then_close);
  void finish();

  tcp::socket m_socket;
  std::shared_ptr<WebSocketPeer> m_peer;
  std::shared_ptr<Outbox> m_outbox;
  asio::steady_timer m_wakeup;
  Sweep& m_sweep;
  websocket::FrameReader m_reader{ k_max_message };
  std::string m_partial;              // an incomplete frame
  std::vector<std::string> m_control; // pong, ping and close frames waiting to be written
  Clock::time_point m_last_heard = Clock::now();
  bool m_pinged = false;
  bool m_closing = false; // a close frame is queued: the socket closes once it is written
  bool m_finished = false;
};

void
Sweep::add(Connection& connection)
{
  connection.sweep_next = m_first;
  if (m_first != nullptr) {
    m_first->sweep_previous = &connection;
  }
  m_first = &connection;
  arm();
}

void
Sweep::remove(Connection& connection)
{
  if (connection.sweep_previous != nullptr) {
    connection.sweep_previous->sweep_next = connection.sweep_next;
  } else if (m_first == &connection) {
    m_first = connection.sweep_next;
  }
  if (connection.sweep_next != nullptr) {
    connection.sweep_next->sweep_previous = connection.sweep_previous;
  }
}

void
Sweep::arm()
{
  if (m_armed || !m_timer) {
    return;
  }
  m_armed = true;
  m_timer->expires_after(k_sweep_period);
  m_timer->async_wait([this](boost::system::error_code ec) {
    m_armed = false;
    if (!ec) {
      sweep();
    }
  });
}

void
Sweep::sweep()
{
  const auto now = Clock::now();
  for (Connection* connection = m_first; connection != nullptr;) {
    Connection* next = connection->sweep_next;
    connection->on_sweep(now);
    connection = next;
  }
  if (m_first != nullptr) {
    arm();
  }
}

asio::awaitable<void>
write_loop(std::shared_ptr<Connection> self)
{
  std::vector<Outbox::Message> batch;
  std::vector<std::array<char, websocket::k_max_header>> headers;
  std::vector<asio::const_buffer> buffers;
  while (!self->m_finished) {
    batch.clear();
    const bool open = self->m_outbox->take(batch);
    if (!open && !self->m_closing) {
      self->m_closing = true;
      self->m_control.push_back(
        self->m_outbox->overflowed()
          ? websocket::encode_close(websocket::close_code::policy_violation, "client too slow")
          : websocket::encode_close(websocket::close_code::normal, ""));
    }
    if (batch.empty() && self->m_control.empty()) {
      self->m_wakeup.expires_at(asio::steady_timer::time_point::max());
      co_await self->m_wakeup.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    // Data first, then control frames: a close frame is the last thing written.
    const bool last = self->m_closing;
    const auto control = std::move(self->m_control);
    self->m_control.clear();
    headers.resize(batch.size());
    buffers.clear();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::size_t size =
        websocket::encode_header(websocket::Opcode::text, batch[i]->size(), headers[i]);
      buffers.push_back(asio::buffer(headers[i].data(), size));
      buffers.push_back(asio::buffer(*batch[i]));
    }
    for (const auto& frame : control) {
      buffers.push_back(asio::buffer(frame));
    }
    auto [ec, written] =
      co_await asio::async_write(self->m_socket, buffers, asio::as_tuple(asio::use_awaitable));
    if (ec || last) {
      self->finish();
      co_return;
    }
  }
}

void
Connection::start(std::string_view early_bytes)
{
  boost::system::error_code ignored;
  m_socket.non_blocking(true, ignored);
  util::metrics().websocket_connections.fetch_add(1, std::memory_order_relaxed);
  m_outbox->set_waker([executor = m_socket.get_executor(), weak = weak_from_this()] {
    asio::post(executor, [weak] {
      if (auto alive = weak.lock()) {
        alive->m_wakeup.cancel();
      }
    });
  });
  asio::co_spawn(m_socket.get_executor(), write_loop(shared_from_this()), asio::detached);
  if (!early_bytes.empty()) {
    m_partial.assign(early_bytes);
    m_partial.erase(0, read_frames(m_partial));
  }
  wait_readable();
}

void
Connection::wait_readable()
{
  if (m_closing || m_finished) {
    return;
  }
  m_socket.async_wait(tcp::socket::wait_read,
                      [self = shared_from_this()](boost::system::error_code ec) {
                        if (ec) {
                          self->finish();
                        } else {
                          self->on_readable();
                        }
                      });
}

void
Connection::on_readable()
{
  thread_local std::array<char, k_scratch> scratch;
  for (;;) {
    const ssize_t received = ::recv(m_socket.native_handle(), scratch.data(), scratch.size(), 0);
    if (received < 0 && errno == EINTR) {
      continue;
    }
    if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    }
    if (received <= 0) {
      finish(); // the peer closed the connection, or it failed
      return;
    }
    m_last_heard = Clock::now();
    m_pinged = false;
    const auto bytes = std::span(scratch.data(), static_cast<std::size_t>(received));
    if (m_partial.empty()) {
      const std::size_t used = read_frames(bytes);
      m_partial.assign(bytes.data() + used, bytes.size() - used);
    } else {
      m_partial.append(bytes.data(), bytes.size());
      m_partial.erase(0, read_frames(m_partial));
    }
    if (m_partial.empty()) {
      std::string().swap(m_partial); // an idle connection holds no read buffer
    }
    if (m_closing || m_finished || static_cast<std::size_t>(received) < scratch.size()) {
      break;
    }
  }
  wait_readable();
}

std::size_t
Connection::read_frames(std::span<char> bytes)
{
  using Kind = websocket::Incoming::Kind;
  std::size_t used = 0;
  while (!m_closing && !m_finished) {
    const auto incoming = m_reader.next(bytes.subspan(used));
    switch (incoming.kind) {
      case Kind::need_more:
        return used;
      case Kind::fragment:
      case Kind::pong:
        break;
      case Kind::text:
        m_peer->on_message(incoming.payload);
        break;
      case Kind::ping:
        send_control(websocket::encode_frame(websocket::Opcode::pong, incoming.payload), false);
        break;
      case Kind::close:
        send_control(incoming.code == websocket::close_code::no_status
                       ? websocket::encode_frame(websocket::Opcode::close, {})
                       : websocket::encode_close(incoming.code, {}),
                     true);
        break;
      case Kind::fail:
        send_control(websocket::encode_close(incoming.code, incoming.payload), true);
        return bytes.size();
    }
    used += incoming.consumed;
  }
  return bytes.size(); // closing: the rest is ignored
}

void
Connection::send_control(std::string frame, bool then_close)
{
  if (m_closing) {
    return;
  }
  m_closing = then_close;
  m_control.push_back(std::move(frame));
  m_wakeup.cancel();
}

void
Connection::on_sweep(Clock::time_point now)
{
  const auto silent = now - m_last_heard;
  if (silent >= k_idle_timeout) {
    boost::system::error_code ignored;
    m_socket.close(ignored); // the pending wait ends with an error, which finishes
  } else if (silent >= k_ping_after && !m_pinged) {
    m_pinged = true;
    send_control(websocket::encode_frame(websocket::Opcode::ping, {}), false);
  }
}

void
Connection::finish()
{
  if (m_finished) {
    return;
  }
  m_finished = true;
  boost::system::error_code ignored;
  m_socket.shutdown(tcp::socket::shutdown_both, ignored);
  m_socket.close(ignored);
  m_wakeup.cancel();
  m_outbox->set_waker(nullptr);
  m_outbox->close();
  m_peer->on_close();
  util::metrics().websocket_connections.fetch_sub(1, std::memory_order_relaxed);
}

} // namespace

void
start_websocket_session(tcp::socket socket,
                        std::string_view early_bytes,
                        std::shared_ptr<WebSocketPeer> peer,
                        std::shared_ptr<Outbox> outbox)
{
  auto connection =
    std::make_shared<Connection>(std::move(socket), std::move(peer), std::move(outbox));
  connection->start(early_bytes);
}

} // namespace reactor::net
