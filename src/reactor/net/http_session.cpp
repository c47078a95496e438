#include "reactor/net/connections.hpp"
#include "reactor/net/http1_reader.hpp"
#include "reactor/net/http1_writer.hpp"
#include "reactor/net/plain_error.hpp"
#include "reactor/net/sessions.hpp"
#include "reactor/net/websocket_handshake.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace reactor::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

using http1::k_idle_timeout;
using http1::k_max_head;
using http1::ReadBuffer;
using http1::write_response;

namespace {

// A client gets this long to send a whole request head once it started one.
constexpr auto k_head_timeout = std::chrono::seconds(15);
// A TLS client gets this long to finish its handshake, so half-open ones cannot pile up.
constexpr auto k_handshake_timeout = std::chrono::seconds(10);
// Messages queued to one WebSocket client before it counts as too slow and is closed.
constexpr std::size_t k_websocket_queue = 4096;

void
lowercase_in_place(char* begin, std::size_t size)
{
  for (char* c = begin; c != begin + size; ++c) {
    if (*c >= 'A' && *c <= 'Z') {
      *c = static_cast<char>(*c - 'A' + 'a');
    }
  }
}

// A WebSocket's protocol, registered with the connections while its socket is open: a
// stop closes the outbox, so the client gets a close frame, and waits for the socket.
class RegisteredPeer final : public WebSocketPeer
{
public:
  RegisteredPeer(std::shared_ptr<WebSocketPeer> peer,
                 Connections& connections,
                 const std::shared_ptr<Outbox>& outbox)
    : m_peer(std::move(peer))
    , m_registration(connections.add([weak = std::weak_ptr(outbox)] {
      if (auto open = weak.lock()) {
        open->close();
      }
    }))
  {
  }

  void on_message(std::string_view text) override { m_peer->on_message(text); }

  void on_close() override
  {
    m_peer->on_close();
    m_registration.reset();
  }

private:
  std::shared_ptr<WebSocketPeer> m_peer;
  std::optional<Connections::Registration> m_registration;
};

// Hands an upgraded connection to the WebSocket session of its transport.
void
hand_over(beast::tcp_stream& stream,
          std::string_view early_bytes,
          std::shared_ptr<WebSocketPeer> peer,
          std::shared_ptr<Outbox> outbox)
{
  start_websocket_session(stream.release_socket(), early_bytes, std::move(peer), std::move(outbox));
}

void
hand_over(TlsStream& stream,
          std::string_view early_bytes,
          std::shared_ptr<WebSocketPeer> peer,
          std::shared_ptr<Outbox> outbox)
{
  start_tls_websocket_session(std::move(stream), early_bytes, std::move(peer), std::move(outbox));
}

// Answers a WebSocket upgrade and hands the connection to the WebSocket session; this
// frame and its buffers end here, so an idle WebSocket holds no HTTP state.
template<typename Stream>
asio::awaitable<void>
upgrade(Stream& stream,
        const RequestHead& head,
        const Request& request,
        std::string_view early_bytes,
        const ConnectionContext& context)
{
  auto accepted = websocket::accept_upgrade(head);
  if (!accepted) {
    const Response refused = std::move(accepted.error());
    co_await write_response(stream, refused, context.extra_headers, false, false);
    co_return;
  }
  auto outbox = std::make_shared<Outbox>(k_websocket_queue);
  auto peer = context.router.accept_websocket(request, outbox);
  if (!peer) {
    const Response not_found = json_error(404, "No WebSocket endpoint here");
    co_await write_response(stream, not_found, context.extra_headers, false, false);
    co_return;
  }
  stream.expires_after(k_idle_timeout);
  auto [ec, written] = co_await asio::async_write(
    stream, asio::buffer(*accepted), asio::as_tuple(asio::use_awaitable));
  if (ec) {
    peer->on_close();
    co_return;
  }
  stream.expires_never();
  auto registered = std::make_shared<RegisteredPeer>(std::move(peer), context.connections, outbox);
  hand_over(stream, early_bytes, std::move(registered), std::move(outbox));
}

// The TLS handshake, under its own timeout; a stop cancels it. False when it failed.
asio::awaitable<bool>
handshake(TlsStream& stream, Connections& connections)
{
  const auto registration = connections.add([&stream] { stream.cancel(); });
  stream.expires_after(k_handshake_timeout);
  auto [ec, unused] = co_await stream.async_handshake(asio::as_tuple(asio::use_awaitable));
  co_return !ec && !connections.stopping();
}

// True when the client and we agreed on HTTP/2 through ALPN.
bool
chose_http2(TlsStream& stream)
{
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &protocol, &length);
  return std::string_view(reinterpret_cast<const char*>(protocol), length) == "h2";
}

// Where a connection is between requests, for a stop: one waiting for its next request
// closes at once, a stream ends after what is queued; a request in progress gets its
// response first.
struct ConnectionPhase
{
  bool idle = false;
  Outbox* open_stream = nullptr;
};

// Waits for the next request's first bytes on an idle TLS connection holding no buffer
// (OpenSSL gives its own back too): most of what an idle connection would cost.
asio::awaitable<bool>
await_request(TlsStream& stream, ReadBuffer& buffer)
{
  buffer.release();
  auto [ec, unused] = co_await stream.async_wait_readable(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

// A plain connection reads at once: its stream's deadline covers reads, not raw waits.
asio::awaitable<bool>
await_request(beast::tcp_stream& /*stream*/, ReadBuffer& /*buffer*/)
{
  co_return true;
}

// Reads and answers one request; false when the connection is to end. Its state lives
// in this frame, which ends with the request, so an idle connection does not hold it.
template<typename Stream>
asio::awaitable<bool>
serve_request(Stream& stream,
              ReadBuffer& buffer,
              ConnectionPhase& phase,
              const ConnectionContext& context)
{
  const std::string_view extra_headers = context.extra_headers;
  RequestHead head;
  std::string body_storage;
  // A request head has one deadline from its first byte: a client that trickles bytes
  // cannot hold the connection longer than that.
  ParseResult parsed = ParseResult::incomplete;
  stream.expires_after(buffer.used == 0 ? k_idle_timeout : k_head_timeout);
  while ((parsed = parse_request_head(buffer.view(), head)) == ParseResult::incomplete &&
         buffer.used < k_max_head) {
    phase.idle = buffer.used == 0;
    if (!co_await buffer.fill(stream, k_max_head)) {
      co_return false;
    }
    if (phase.idle) {
      stream.expires_after(k_head_timeout);
      phase.idle = false;
    }
  }
  // Named locals, never temporaries inside co_await: g++ 12 can destroy a temporary
  // of a branch that never ran (docs/CONTRIBUTING.md).
  if (parsed == ParseResult::incomplete ||
      (parsed == ParseResult::complete && head.length > k_max_head)) {
    const Response too_large = plain_error(431, "Request head too large");
    co_await write_response(stream, too_large, extra_headers, false, false);
    co_return false;
  }
  if (parsed != ParseResult::complete) {
    const Response refused = parsed == ParseResult::too_many_headers
                               ? plain_error(431, "Too many request headers")
                               : plain_error(400, "Malformed HTTP request");
    co_await write_response(stream, refused, extra_headers, false, false);
    co_return false;
  }

  const std::string_view target = origin_form(head.target);
  const std::size_t max_body = context.router.max_body(target.substr(0, target.find('?')));
  auto body = co_await http1::read_body(stream, buffer, head, body_storage, max_body);
  if (body.status != 0) {
    const Response refused = plain_error(body.status, body.message);
    co_await write_response(stream, refused, extra_headers, false, false);
    co_return false;
  }
  // The buffer is ours: lowercasing the Host in place saves a copy.
  const std::string_view host = find_header(head.headers(), "host");
  lowercase_in_place(const_cast<char*>(host.data()), host.size());

  const Request request{ head.method, origin_form(head.target), host, head.headers(),
                         body.bytes,  context.remote_address };
  if (websocket::is_upgrade(head)) {
    co_await upgrade(stream, head, request, buffer.view().substr(body.end), context);
    co_return false;
  }

  Connections& connections = context.connections;
  const bool head_only = head.method == "HEAD";
  const Response response = co_await context.router.handle(request);
  const bool keep_alive = http1::wants_keep_alive(head) && !connections.stopping();
  bool alive = co_await write_response(stream, response, extra_headers, head_only, keep_alive);
  if (response.stream) {
    phase.open_stream = response.stream.get();
    if (connections.stopping()) {
      phase.open_stream->close();
    }
    alive = alive && co_await http1::write_stream(stream, response);
    phase.open_stream = nullptr;
    if (response.on_stream_end) {
      response.on_stream_end();
    }
  }
  if (!alive || !keep_alive || connections.stopping()) {
    co_return false;
  }
  buffer.consume(body.end);
  co_return true;
}

// Serves HTTP/1.1 requests on an open connection until it ends.
template<typename Stream>
asio::awaitable<void>
serve_requests(Stream& stream, const ConnectionContext& context)
{
  ReadBuffer buffer;
  ConnectionPhase phase;
  const auto registration = context.connections.add([&] {
    if (phase.idle) {
      stream.cancel();
    }
    if (phase.open_stream != nullptr) {
      phase.open_stream->close();
    }
  });
  for (;;) {
    if (buffer.used == 0) {
      stream.expires_after(k_idle_timeout);
      phase.idle = true;
      const bool arrived = co_await await_request(stream, buffer);
      if (!arrived) {
        co_return;
      }
    }
    const bool again = co_await serve_request(stream, buffer, phase, context);
    if (!again) {
      co_return;
    }
  }
}

} // namespace

asio::awaitable<void>
run_http_session(asio::ip::tcp::socket socket,
                 asio::ip::tcp::endpoint peer,
                 Router& router,
                 Connections& connections,
                 const SessionSettings& settings)
{
  if (connections.stopping()) {
    co_return; // accepted just before the listener closed
  }
  ConnectionContext context{
    router, connections, peer.address().to_string(), settings.extra_headers
  };
  if (settings.tls == nullptr) {
    beast::tcp_stream transport(std::move(socket));
    co_await serve_requests(transport, context);
    co_return;
  }
  TlsStream stream(std::move(socket), *settings.tls);
  if (!co_await handshake(stream, connections)) {
    co_return;
  }
  if (chose_http2(stream)) {
    // The handshake's deadline must not end the connection later: HTTP/2 keeps its own
    // (idle GOAWAY, stalled writes).
    stream.expires_never();
    start_http2_session(std::move(stream), std::move(context));
    co_return;
  }
  co_await serve_requests(stream, context);
}

} // namespace reactor::net
