#include "reactor/net/sessions.hpp"
#include "reactor/util/metrics.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace reactor::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// Larger messages end the connection; the peer decides what smaller ones may be.
constexpr std::size_t k_max_message = 1024 * 1024;

constexpr auto k_idle_timeout = std::chrono::seconds(60);

using WebSocket = websocket::stream<beast::tcp_stream>;

struct Connection
{
  explicit Connection(beast::tcp_stream stream)
    : ws(std::move(stream))
    , wakeup(ws.get_executor(), asio::steady_timer::time_point::max())
  {
  }
  WebSocket ws;
  asio::steady_timer wakeup;
  bool reading_done = false;
};

// Drains the outbox into the socket until it closes or the reader is gone.
asio::awaitable<void>
write_loop(std::shared_ptr<Connection> connection, std::shared_ptr<Outbox> outbox)
{
  std::vector<Outbox::Message> batch;
  while (!connection->reading_done) {
    batch.clear();
    if (!outbox->take(batch)) {
      break;
    }
    if (batch.empty()) {
      connection->wakeup.expires_at(asio::steady_timer::time_point::max());
      co_await connection->wakeup.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    for (const auto& message : batch) {
      auto [ec, written] = co_await connection->ws.async_write(asio::buffer(*message),
                                                               asio::as_tuple(asio::use_awaitable));
      if (ec) {
        co_return;
      }
    }
  }
  if (!connection->reading_done) {
    const websocket::close_reason reason =
      outbox->overflowed()
        ? websocket::close_reason(websocket::close_code::policy_error, "client too slow")
        : websocket::close_reason(websocket::close_code::normal);
    co_await connection->ws.async_close(reason, asio::as_tuple(asio::use_awaitable));
  }
}

} // namespace

asio::awaitable<void>
run_websocket_session(beast::tcp_stream stream,
                      beast::http::request<beast::http::empty_body> upgrade,
                      std::shared_ptr<WebSocketPeer> peer,
                      std::shared_ptr<Outbox> outbox)
{
  stream.expires_never();
  auto connection = std::make_shared<Connection>(std::move(stream));
  auto& ws = connection->ws;
  // Pings after half the idle time; a peer silent for the whole of it is dropped.
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = k_idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  ws.read_message_max(k_max_message);
  auto [accept_ec] = co_await ws.async_accept(upgrade, asio::as_tuple(asio::use_awaitable));
  if (accept_ec) {
    peer->on_close();
    co_return;
  }
  ws.text(true);
  util::metrics().websocket_connections.fetch_add(1, std::memory_order_relaxed);

  const auto executor = ws.get_executor();
  outbox->set_waker([executor, weak = std::weak_ptr(connection)] {
    asio::post(executor, [weak] {
      if (auto alive = weak.lock()) {
        alive->wakeup.cancel();
      }
    });
  });
  asio::co_spawn(executor, write_loop(connection, outbox), asio::detached);

  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, bytes] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      break;
    }
    peer->on_message(beast::buffers_to_string(buffer.data()));
    buffer.clear();
    buffer.shrink_to_fit(); // an idle connection holds no read buffer
  }
  connection->reading_done = true;
  connection->wakeup.cancel();
  outbox->set_waker(nullptr);
  outbox->close();
  peer->on_close();
  util::metrics().websocket_connections.fetch_sub(1, std::memory_order_relaxed);
}

} // namespace reactor::net
