#include "reactor/net/metrics.hpp"
#include "reactor/net/sessions.hpp"
#include "reactor/net/websocket_frame.hpp"
#include "reactor/net/websocket_incoming.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <sys/socket.h>
#include <sys/uio.h>
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

// Outbox::DirectWrite for WebSocket text messages: one frame, one sendmsg.
bool
send_text_frame(int fd, const std::string& message, std::size_t& sent)
{
  std::array<char, websocket::k_max_header> header{};
  const std::size_t header_size =
    websocket::encode_header(websocket::Opcode::text, message.size(), header);
  std::array<iovec, 2> parts{ iovec{ header.data(), header_size },
                              iovec{ const_cast<char*>(message.data()), message.size() } };
  msghdr frame{};
  frame.msg_iov = parts.data();
  frame.msg_iovlen = parts.size();
  const ssize_t written = ::sendmsg(fd, &frame, MSG_NOSIGNAL | MSG_DONTWAIT);
  sent = written > 0 ? static_cast<std::size_t>(written) : 0;
  return sent == header_size + message.size();
}

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
// becoming readable and writes callbacks on the outbox becoming non-empty, so an idle
// connection holds no buffer, no coroutine and no timer.
class Connection final
  : public Outbox::Reader
  , public std::enable_shared_from_this<Connection>
{
public:
  Connection(tcp::socket socket,
             std::shared_ptr<WebSocketPeer> peer,
             std::shared_ptr<Outbox> outbox)
    : m_socket(std::move(socket))
    , m_peer(std::move(peer))
    , m_outbox(std::move(outbox))
    , m_sweep(asio::use_service<Sweep>(static_cast<asio::io_context&>(
        asio::query(m_socket.get_executor(), asio::execution::context))))
  {
    m_sweep.add(*this);
  }

  ~Connection()
  {
    m_outbox->close(); // no producer may write to the descriptor once it closes
    m_sweep.remove(*this);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading (with bytes the client sent after its handshake) and writing.
  void start(std::string_view early_bytes);

  void on_outbox_ready() override { write(); }

  // Pings a silent peer, drops one silent too long.
  void on_sweep(Clock::time_point now);

  Connection* sweep_previous = nullptr;
  Connection* sweep_next = nullptr;

private:
  void wait_readable();
  void on_readable();
  // Consumes whole frames from `bytes`; returns how many bytes it used.
  std::size_t read_frames(std::span<char> bytes);
  void send_control(std::string_view frame, bool then_close);
  // Writes what is queued without blocking, as gathered writes, until the socket is
  // full (then resumes when it is writable) or nothing is left (then the outbox calls).
  void write();
  // Writes the pending bytes once; false when the socket is full or failed.
  bool write_some();
  void finish();

  tcp::socket m_socket;
  std::shared_ptr<WebSocketPeer> m_peer;
  std::shared_ptr<Outbox> m_outbox;
  Sweep& m_sweep;
  websocket::FrameReader m_reader{ k_max_message };
  std::string m_partial; // an incomplete frame
  // Text messages being written: m_writing[m_next] onwards, the first m_offset bytes of
  // m_writing[m_next]'s frame (header and payload) already sent.
  std::vector<Outbox::Message> m_writing;
  std::size_t m_next = 0;
  std::size_t m_offset = 0;
  // Pong, ping and close frames, written at the next frame boundary.
  std::string m_control;
  Clock::time_point m_last_heard = Clock::now();
  bool m_pinged = false;
  bool m_closing = false; // a close frame is queued: nothing follows it
  bool m_waiting_writable = false;
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

void
Connection::start(std::string_view early_bytes)
{
  boost::system::error_code ignored;
  m_socket.non_blocking(true, ignored);
  metrics().websocket_connections.add(1);
  m_outbox->attach(m_socket.get_executor(), weak_from_this());
  m_outbox->allow_direct_writes(m_socket.native_handle(), &send_text_frame);
  if (!early_bytes.empty()) {
    m_partial.assign(early_bytes);
    m_partial.erase(0, read_frames(m_partial));
  }
  wait_readable();
  write();
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
  return read_client_frames(
    bytes,
    m_reader,
    *m_peer,
    m_control,
    [this] { return m_closing || m_finished; },
    [this](std::string_view frame, bool then_close) { send_control(frame, then_close); });
}

void
Connection::send_control(std::string_view frame, bool then_close)
{
  if (m_closing) {
    return;
  }
  m_closing = then_close;
  m_control += frame;
  if (m_next == m_writing.size()) {
    // Become the socket's only writer first: producers stop writing directly, and a
    // message one of them left half-sent goes out before the control frame.
    m_writing.clear();
    m_next = 0;
    m_outbox->claim(m_writing, &m_offset);
  }
  if (then_close) {
    // Nothing follows a close frame: messages not yet started are dropped.
    m_writing.resize(m_next + (m_offset > 0 ? 1 : 0));
  }
  write();
}

void
Connection::write()
{
  while (!m_finished && !m_waiting_writable) {
    if (m_next == m_writing.size() && m_control.empty()) {
      m_writing.clear();
      m_next = 0;
      if (m_closing) {
        finish(); // the close frame is out
        return;
      }
      if (!m_outbox->take(m_writing, &m_offset)) {
        send_control(
          m_outbox->overflowed()
            ? websocket::encode_close(websocket::close_code::policy_violation, "client too slow")
            : websocket::encode_close(websocket::close_code::going_away, {}),
          true);
        return;
      }
      if (m_writing.empty()) {
        return; // the next message is written by its producer, or wakes this reader
      }
    }
    if (!write_some()) {
      return;
    }
  }
}

bool
Connection::write_some()
{
  constexpr std::size_t k_max_frames = 64;
  std::array<std::array<char, websocket::k_max_header>, k_max_frames> headers{};
  std::array<iovec, 2 * k_max_frames + 1> parts{};
  std::size_t count = 0;
  std::size_t skip = m_offset;
  const auto add = [&](const char* data, std::size_t size) {
    const std::size_t skipped = std::min(skip, size);
    skip -= skipped;
    if (size > skipped) {
      parts[count++] = { const_cast<char*>(data + skipped), size - skipped };
    }
  };
  // A partly sent message first, then control frames, then whole messages.
  std::size_t index = m_next;
  const auto add_message = [&] {
    const auto& message = *m_writing[index];
    auto& header = headers[index - m_next];
    add(header.data(), websocket::encode_header(websocket::Opcode::text, message.size(), header));
    add(message.data(), message.size());
    ++index;
  };
  if (m_offset > 0) {
    add_message();
  }
  const std::size_t control_part = count;
  if (!m_control.empty()) {
    parts[count++] = { m_control.data(), m_control.size() };
  }
  while (index < m_writing.size() && index - m_next < k_max_frames) {
    add_message();
  }
  msghdr message{};
  message.msg_iov = parts.data();
  message.msg_iovlen = count;
  const ssize_t sent = ::sendmsg(m_socket.native_handle(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      m_waiting_writable = errno != EINTR;
      if (m_waiting_writable) {
        m_socket.async_wait(tcp::socket::wait_write,
                            [self = shared_from_this()](boost::system::error_code ec) {
                              self->m_waiting_writable = false;
                              if (ec) {
                                self->finish();
                              } else {
                                self->write();
                              }
                            });
      }
      return !m_waiting_writable;
    }
    finish();
    return false;
  }
  // Account for what went out, in the order it was gathered.
  auto left = static_cast<std::size_t>(sent);
  index = m_next;
  for (std::size_t part = 0; part < count && left > 0; ++part) {
    const std::size_t taken = std::min(left, parts[part].iov_len);
    left -= taken;
    if (part == control_part && !m_control.empty()) {
      m_control.erase(0, taken);
      continue;
    }
    m_offset += taken;
    const std::size_t payload_size = m_writing[m_next]->size();
    if (m_offset == websocket::header_size(payload_size) + payload_size) {
      m_writing[m_next].reset();
      ++m_next;
      m_offset = 0;
    }
  }
  return true;
}

void
Connection::on_sweep(Clock::time_point now)
{
  const auto silent = now - m_last_heard;
  if (silent >= k_idle_timeout) {
    finish();
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
  m_outbox->close(); // first: producers stop writing to the descriptor
  boost::system::error_code ignored;
  m_socket.shutdown(tcp::socket::shutdown_both, ignored);
  m_socket.close(ignored);
  m_peer->on_close();
  metrics().websocket_connections.add(-1);
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
