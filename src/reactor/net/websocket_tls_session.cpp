#include "reactor/net/metrics.hpp"
#include "reactor/net/sessions.hpp"
#include "reactor/net/websocket_frame.hpp"
#include "reactor/net/websocket_incoming.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace reactor::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

namespace {

// The same limits as the plain WebSocket session.
constexpr std::size_t k_max_message = 1024 * 1024;
constexpr auto k_ping_after = std::chrono::seconds(30);
constexpr auto k_idle_timeout = std::chrono::seconds(60);
constexpr auto k_watch_period = std::chrono::seconds(10);
constexpr std::size_t k_read_size = 16 * 1024;

// One WebSocket connection over TLS after the handshake. Three coroutines share it: one
// reads frames, one writes the outbox's messages and the control frames, one pings a
// silent peer and drops one that stays silent or stops taking what is written.
class TlsWebSocket final
  : public Outbox::Reader
  , public std::enable_shared_from_this<TlsWebSocket>
{
public:
  TlsWebSocket(TlsStream stream,
               std::shared_ptr<WebSocketPeer> peer,
               std::shared_ptr<Outbox> outbox)
    : m_stream(std::move(stream))
    , m_peer(std::move(peer))
    , m_outbox(std::move(outbox))
    , m_wakeup(m_stream.get_executor())
    , m_watch(m_stream.get_executor())
  {
  }

  void start(std::string_view early_bytes)
  {
    metrics().websocket_connections.add(1);
    m_outbox->attach(m_stream.get_executor(), weak_from_this());
    const auto self = shared_from_this();
    asio::co_spawn(
      m_stream.get_executor(), read_loop(self, std::string(early_bytes)), asio::detached);
    asio::co_spawn(m_stream.get_executor(), write_loop(self), asio::detached);
    asio::co_spawn(m_stream.get_executor(), watch_loop(self), asio::detached);
  }

  void on_outbox_ready() override { m_wakeup.cancel(); }

private:
  // Each coroutine holds the connection alive through its first argument.
  asio::awaitable<void> read_loop(std::shared_ptr<TlsWebSocket> self, std::string pending);
  asio::awaitable<void> write_loop(std::shared_ptr<TlsWebSocket> self);
  asio::awaitable<void> watch_loop(std::shared_ptr<TlsWebSocket> self);
  // Consumes whole frames from `bytes`; returns how many bytes it used.
  std::size_t read_frames(std::span<char> bytes);
  // Queues a control frame for the writer; after a close frame nothing else is written.
  void send_control(std::string_view frame, bool then_close);
  void finish();

  TlsStream m_stream;
  std::shared_ptr<WebSocketPeer> m_peer;
  std::shared_ptr<Outbox> m_outbox;
  asio::steady_timer m_wakeup; // the writer waits on it for messages or control frames
  asio::steady_timer m_watch;
  websocket::FrameReader m_reader{ k_max_message };
  std::string m_control;
  Clock::time_point m_last_heard = Clock::now();
  std::optional<Clock::time_point> m_writing_since;
  bool m_pinged = false;
  bool m_close_queued = false;
  bool m_finished = false;
};

asio::awaitable<void>
TlsWebSocket::read_loop(std::shared_ptr<TlsWebSocket> /*keep_alive*/, std::string pending)
{
  std::vector<char> chunk(k_read_size);
  for (;;) {
    pending.erase(0, read_frames(pending));
    if (m_close_queued || m_finished) {
      co_return; // the writer ends the connection after the close frame
    }
    auto [ec, read] =
      co_await m_stream.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      finish(); // the peer closed the connection, or it failed
      co_return;
    }
    m_last_heard = Clock::now();
    m_pinged = false;
    pending.append(chunk.data(), read);
  }
}

asio::awaitable<void>
TlsWebSocket::write_loop(std::shared_ptr<TlsWebSocket> /*keep_alive*/)
{
  std::vector<Outbox::Message> batch;
  std::string frames;
  while (!m_finished) {
    frames.clear();
    if (!m_close_queued) {
      batch.clear();
      if (!m_outbox->take(batch)) {
        send_control(
          m_outbox->overflowed()
            ? websocket::encode_close(websocket::close_code::policy_violation, "client too slow")
            : websocket::encode_close(websocket::close_code::going_away, {}),
          true);
      }
      for (const auto& message : batch) {
        frames += websocket::encode_frame(websocket::Opcode::text, *message);
      }
    }
    frames += m_control;
    m_control.clear();
    if (frames.empty()) {
      if (m_close_queued) {
        break; // the close frame is out
      }
      m_wakeup.expires_at(Clock::time_point::max());
      co_await m_wakeup.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    m_writing_since = Clock::now();
    auto [ec, written] = co_await asio::async_write(
      m_stream, asio::buffer(frames), asio::as_tuple(asio::use_awaitable));
    m_writing_since.reset();
    if (ec) {
      break;
    }
  }
  finish();
}

asio::awaitable<void>
TlsWebSocket::watch_loop(std::shared_ptr<TlsWebSocket> /*keep_alive*/)
{
  while (!m_finished) {
    m_watch.expires_after(k_watch_period);
    co_await m_watch.async_wait(asio::as_tuple(asio::use_awaitable));
    const auto now = Clock::now();
    const bool stuck = m_writing_since && now - *m_writing_since >= k_idle_timeout;
    if (m_finished) {
      break;
    }
    if (stuck || now - m_last_heard >= k_idle_timeout) {
      finish();
    } else if (now - m_last_heard >= k_ping_after && !m_pinged) {
      m_pinged = true;
      send_control(websocket::encode_frame(websocket::Opcode::ping, {}), false);
    }
  }
}

std::size_t
TlsWebSocket::read_frames(std::span<char> bytes)
{
  return read_client_frames(
    bytes,
    m_reader,
    *m_peer,
    m_control,
    [this] { return m_close_queued || m_finished; },
    [this](std::string_view frame, bool then_close) { send_control(frame, then_close); });
}

void
TlsWebSocket::send_control(std::string_view frame, bool then_close)
{
  if (m_close_queued) {
    return;
  }
  m_close_queued = then_close;
  m_control += frame;
  m_wakeup.cancel();
}

void
TlsWebSocket::finish()
{
  if (m_finished) {
    return;
  }
  m_finished = true;
  m_outbox->close();
  boost::system::error_code ignored;
  beast::get_lowest_layer(m_stream).socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                                      ignored);
  beast::get_lowest_layer(m_stream).close();
  m_wakeup.cancel();
  m_watch.cancel();
  m_peer->on_close();
  metrics().websocket_connections.add(-1);
}

} // namespace

void
start_tls_websocket_session(TlsStream stream,
                            std::string_view early_bytes,
                            std::shared_ptr<WebSocketPeer> peer,
                            std::shared_ptr<Outbox> outbox)
{
  auto connection =
    std::make_shared<TlsWebSocket>(std::move(stream), std::move(peer), std::move(outbox));
  connection->start(early_bytes);
}

} // namespace reactor::net
