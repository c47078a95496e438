#include "reactor/net/connections.hpp"
#include "reactor/net/date_line.hpp"
#include "reactor/net/http_parser.hpp"
#include "reactor/net/plain_error.hpp"
#include "reactor/net/sessions.hpp"
#include "reactor/net/websocket_handshake.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/status.hpp>
#include <openssl/ssl.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>

namespace reactor::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// A request head's first buffer (nginx's client_header_buffer_size); it doubles as needed.
constexpr std::size_t k_initial_buffer = 1024;
constexpr std::size_t k_max_head = 16 * 1024;
constexpr auto k_idle_timeout = std::chrono::seconds(60);
// A client gets this long to send a whole request head once it started one.
constexpr auto k_head_timeout = std::chrono::seconds(15);
// A TLS client gets this long to finish its handshake, so half-open ones cannot pile up.
constexpr auto k_handshake_timeout = std::chrono::seconds(10);
// Over TLS a file is read and encrypted in pieces of this size.
constexpr std::size_t k_file_chunk = 64 * 1024;
constexpr auto k_stream_heartbeat = std::chrono::seconds(15);
// Messages queued to one WebSocket client before it counts as too slow and is closed.
constexpr std::size_t k_websocket_queue = 4096;

std::string
render_head(const Response& response, std::uint64_t content_length)
{
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += http::obsolete_reason(static_cast<http::status>(response.status));
  head += "\r\n";
  if (response.stream) {
    head += "Transfer-Encoding: chunked\r\n";
  } else if (response.status != 304 && response.status != 204) {
    head += "Content-Length: ";
    head += std::to_string(content_length);
    head += "\r\n";
  }
  for (const auto& [name, value] : response.headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  return head;
}

// While a file goes out: drops the client (cancels the socket's wait) once no byte went
// out for the idle timeout, looking again when the timer fires instead of being re-armed
// at each wait for writability, which a large file meets several times.
struct StallWatch
{
  asio::steady_timer& timer;
  asio::ip::tcp::socket& socket;
  const std::chrono::steady_clock::time_point& last_progress;

  void operator()(boost::system::error_code ec) const
  {
    if (ec) {
      return; // canceled: the file is out (the references may be gone)
    }
    const auto stalled_at = last_progress + k_idle_timeout;
    if (std::chrono::steady_clock::now() >= stalled_at) {
      socket.cancel();
      return;
    }
    timer.expires_at(stalled_at);
    timer.async_wait(*this);
  }
};

// Sends a file, or part of it, with sendfile(2): the kernel copies from the page cache, so large
// files cost no user-space copy. Waits for writability when the socket buffer is full; a
// client that takes nothing for the idle timeout is dropped like any idle one (the
// stream's own timer does not cover a raw wait).
asio::awaitable<bool>
send_file(beast::tcp_stream& stream, const FileBody& file, BodySlice part)
{
  auto& socket = stream.socket();
  auto last_progress = std::chrono::steady_clock::now();
  asio::steady_timer stall_timer(socket.get_executor());
  bool watching = false;
  auto offset = static_cast<off_t>(part.offset);
  const std::uint64_t end = part.offset + part.length;
  while (static_cast<std::uint64_t>(offset) < end) {
    const ssize_t sent =
      ::sendfile(socket.native_handle(),
                 file.fd,
                 &offset,
                 static_cast<std::size_t>(end - static_cast<std::uint64_t>(offset)));
    if (sent > 0) {
      last_progress = std::chrono::steady_clock::now();
      continue;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!watching) {
        watching = true;
        stall_timer.expires_after(k_idle_timeout);
        stall_timer.async_wait(StallWatch{ stall_timer, socket, last_progress });
      }
      auto [ec] = co_await socket.async_wait(asio::ip::tcp::socket::wait_write,
                                             asio::as_tuple(asio::use_awaitable));
      if (ec) {
        co_return false; // stalled too long, or the socket failed
      }
      continue;
    }
    co_return false; // the client is gone, or the file shrank (it never should)
  }
  co_return true;
}

// The head of a file response, then the file. The head goes with MSG_MORE, so the kernel
// holds it until sendfile adds the first bytes of the file: one segment carries both, as
// nginx's tcp_nopush does, instead of a small segment for the head alone.
template<typename Buffers>
asio::awaitable<bool>
write_head_then_file(beast::tcp_stream& stream,
                     const Buffers& buffers,
                     const FileBody& file,
                     BodySlice part)
{
  std::array<iovec, std::tuple_size_v<Buffers>> parts{};
  std::size_t total = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    parts[i] = { const_cast<void*>(buffers[i].data()), buffers[i].size() };
    total += buffers[i].size();
  }
  msghdr message{};
  message.msg_iov = parts.data();
  message.msg_iovlen = parts.size();
  const ssize_t sent =
    ::sendmsg(stream.socket().native_handle(), &message, MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent < 0 && errno != EAGAIN && errno != EINTR) {
    co_return false;
  }
  if (const auto done = static_cast<std::size_t>(std::max<ssize_t>(sent, 0)); done < total) {
    // The socket buffer was full: the rest of the head goes the usual way.
    beast::buffers_suffix<Buffers> rest(buffers);
    rest.consume(done);
    stream.expires_after(k_idle_timeout);
    auto [ec, written] =
      co_await asio::async_write(stream, rest, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return false;
    }
  }
  co_return co_await send_file(stream, file, part);
}

// A file's contents over TLS, which sendfile(2) cannot encrypt: read and written in
// pieces, each write under the idle timeout.
asio::awaitable<bool>
send_file_contents(TlsStream& stream, const FileBody& file, BodySlice part)
{
  std::vector<char> chunk(
    static_cast<std::size_t>(std::min<std::uint64_t>(k_file_chunk, part.length)));
  std::uint64_t offset = part.offset;
  const std::uint64_t end = part.offset + part.length;
  while (offset < end) {
    const auto wanted =
      static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), end - offset));
    const ssize_t read = ::pread(file.fd, chunk.data(), wanted, static_cast<off_t>(offset));
    if (read < 0 && errno == EINTR) {
      continue;
    }
    if (read <= 0) {
      co_return false; // the file shrank (it never should) or cannot be read
    }
    offset += static_cast<std::uint64_t>(read);
    beast::get_lowest_layer(stream).expires_after(k_idle_timeout);
    auto [ec, written] =
      co_await asio::async_write(stream,
                                 asio::buffer(chunk.data(), static_cast<std::size_t>(read)),
                                 asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return false;
    }
  }
  co_return true;
}

template<typename Buffers>
asio::awaitable<bool>
write_head_then_file(TlsStream& stream,
                     const Buffers& buffers,
                     const FileBody& file,
                     BodySlice part)
{
  beast::get_lowest_layer(stream).expires_after(k_idle_timeout);
  auto [ec, written] =
    co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    co_return false;
  }
  co_return co_await send_file_contents(stream, file, part);
}

// Writes head, Date, the listener's own headers, the connection line and the body in one
// gathered write.
template<typename Stream>
asio::awaitable<bool>
write_response(Stream& stream,
               const Response& response,
               std::string_view extra_headers,
               bool head_only,
               bool keep_alive)
{
  const std::string_view payload = response.payload();
  std::string rendered;
  if (!response.prepared_head) {
    rendered = render_head(response, response.body_size());
  }
  const std::string_view head = response.prepared_head ? *response.prepared_head : rendered;
  constexpr std::string_view k_close = "Connection: close\r\n\r\n";
  const std::string_view end = keep_alive ? k_close.substr(k_close.size() - 2) : k_close;
  const std::string_view date = date_line();
  const std::array<asio::const_buffer, 5> buffers{
    asio::buffer(head.data(), head.size()),
    asio::buffer(date.data(), date.size()),
    asio::buffer(extra_headers.data(), extra_headers.size()),
    asio::buffer(end.data(), end.size()),
    asio::buffer(payload.data(), head_only ? 0 : payload.size())
  };
  if (response.file_body && !head_only) {
    const BodySlice part = response.slice.value_or(BodySlice{ 0, response.file_body->size });
    co_return co_await write_head_then_file(stream, buffers, *response.file_body, part);
  }
  beast::get_lowest_layer(stream).expires_after(k_idle_timeout);
  auto [ec, written] =
    co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

template<typename Stream>
asio::awaitable<bool>
write_chunk(Stream& stream, std::string_view data)
{
  std::array<char, 20> size_line{};
  const int length = std::snprintf(size_line.data(), size_line.size(), "%zx\r\n", data.size());
  const std::array<asio::const_buffer, 3> buffers{ asio::buffer(size_line.data(),
                                                                static_cast<std::size_t>(length)),
                                                   asio::buffer(data.data(), data.size()),
                                                   asio::buffer("\r\n", 2) };
  beast::get_lowest_layer(stream).expires_after(k_idle_timeout);
  auto [ec, written] =
    co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

// Wakes write_stream when its outbox has something.
struct StreamWakeup final : Outbox::Reader
{
  explicit StreamWakeup(const asio::any_io_executor& executor)
    : timer(executor)
  {
  }
  void on_outbox_ready() override { timer.cancel(); }
  asio::steady_timer timer;
};

// Sends the outbox's messages as chunks until it closes; false when the client is gone.
template<typename Stream>
asio::awaitable<bool>
write_stream(Stream& stream, const Response& response)
{
  auto wakeup = std::make_shared<StreamWakeup>(stream.get_executor());
  response.stream->attach(stream.get_executor(), wakeup);
  std::vector<Outbox::Message> batch;
  bool alive = true;
  while (alive) {
    batch.clear();
    if (!response.stream->take(batch)) {
      alive = co_await write_chunk(stream, {});
      break;
    }
    if (batch.empty()) {
      wakeup->timer.expires_after(k_stream_heartbeat);
      auto [ec] = co_await wakeup->timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!ec && !response.heartbeat.empty()) {
        alive = co_await write_chunk(stream, response.heartbeat);
      }
      continue;
    }
    for (const auto& message : batch) {
      alive = co_await write_chunk(stream, *message);
      if (!alive) {
        break;
      }
    }
  }
  response.stream->close();
  co_return alive;
}

void
lowercase_in_place(char* begin, std::size_t size)
{
  for (char* c = begin; c != begin + size; ++c) {
    if (*c >= 'A' && *c <= 'Z') {
      *c = static_cast<char>(*c - 'A' + 'a');
    }
  }
}

bool
wants_keep_alive(const RequestHead& head)
{
  const std::string_view connection = find_header(head.headers(), "connection");
  return head.minor_version == 1 ? !header_has_token(connection, "close")
                                 : header_has_token(connection, "keep-alive");
}

// The bytes of one connection: the request head and, when it fits, the body. Allocated
// when a request starts arriving, so that a connection between requests can give it back.
struct ReadBuffer
{
  std::vector<char> bytes;
  std::size_t used = 0;

  std::string_view view() const { return { bytes.data(), used }; }

  // Drops the first `count` bytes (a finished request), keeping any pipelined rest.
  void consume(std::size_t count)
  {
    std::memmove(bytes.data(), bytes.data() + count, used - count);
    used -= count;
  }

  // Gives the memory back when it holds nothing.
  void release()
  {
    if (used == 0) {
      bytes = std::vector<char>(); // `= {}` would clear it and keep the memory
    }
  }

  // Reads more, growing the buffer up to `limit` bytes (never shrinking it below what it
  // holds); false on end of stream, error, timeout, or a full buffer.
  template<typename Stream>
  asio::awaitable<bool> fill(Stream& stream, std::size_t limit)
  {
    if (bytes.empty()) {
      bytes.resize(k_initial_buffer);
    } else if (used == bytes.size() && bytes.size() < limit) {
      bytes.resize(std::min(limit, bytes.size() * 2));
    }
    if (used == bytes.size()) {
      co_return false;
    }
    auto [ec, read] = co_await stream.async_read_some(
      asio::buffer(bytes.data() + used, bytes.size() - used), asio::as_tuple(asio::use_awaitable));
    used += read;
    co_return !ec;
  }
};

struct Body
{
  std::string_view bytes;
  std::size_t end = 0; // where the request ends in the buffer
  unsigned status = 0; // an error status to answer with instead, or 0
  std::string message;
};

Body
too_large(std::size_t max_body)
{
  return Body{ {}, 0, 413, "Request body larger than " + std::to_string(max_body / 1024) + " KiB" };
}

// Reads the request's body (Content-Length or chunked, at most max_body) after its head.
// The bytes end up in the buffer or, for a chunked body, in `storage`.
template<typename Stream>
asio::awaitable<Body>
read_body(Stream& stream,
          ReadBuffer& buffer,
          RequestHead& head,
          std::string& storage,
          std::size_t max_body)
{
  const auto framing = check_framing(head);
  if (!framing) {
    co_return Body{ {}, 0, framing.error().status, std::string(framing.error().message) };
  }
  const std::size_t limit = head.length + max_body + k_max_head;
  if (framing->kind == BodyFraming::Kind::chunked) {
    for (;;) {
      std::size_t consumed = 0;
      const auto decoded =
        decode_chunked(buffer.view().substr(head.length), max_body, storage, consumed);
      if (decoded == BodyResult::complete) {
        co_return Body{ storage, head.length + consumed };
      }
      if (decoded == BodyResult::too_large) {
        co_return too_large(max_body);
      }
      if (decoded == BodyResult::malformed || buffer.used >= limit) {
        co_return Body{ {}, 0, 400, "Malformed chunked body" };
      }
      if (!co_await buffer.fill(stream, limit)) {
        co_return Body{ {}, 0, 400, "Incomplete request body" };
      }
      // A grown buffer moved the bytes: the head's views must be read again.
      parse_request_head(buffer.view(), head);
    }
  }
  const std::size_t length = framing->content_length;
  if (length > max_body) {
    co_return too_large(max_body);
  }
  while (buffer.used < head.length + length) {
    if (!co_await buffer.fill(stream, limit)) {
      co_return Body{ {}, 0, 400, "Incomplete request body" };
    }
    parse_request_head(buffer.view(), head);
  }
  co_return Body{ buffer.view().substr(head.length, length), head.length + length };
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
        Router& router,
        Connections& connections,
        std::string_view extra_headers)
{
  auto accepted = websocket::accept_upgrade(head);
  if (!accepted) {
    const Response refused = std::move(accepted.error());
    co_await write_response(stream, refused, extra_headers, false, false);
    co_return;
  }
  auto outbox = std::make_shared<Outbox>(k_websocket_queue);
  auto peer = router.accept_websocket(request, outbox);
  if (!peer) {
    const Response not_found = json_error(404, "No WebSocket endpoint here");
    co_await write_response(stream, not_found, extra_headers, false, false);
    co_return;
  }
  auto& transport = beast::get_lowest_layer(stream);
  transport.expires_after(k_idle_timeout);
  auto [ec, written] = co_await asio::async_write(
    stream, asio::buffer(*accepted), asio::as_tuple(asio::use_awaitable));
  if (ec) {
    peer->on_close();
    co_return;
  }
  transport.expires_never();
  auto registered = std::make_shared<RegisteredPeer>(std::move(peer), connections, outbox);
  hand_over(stream, early_bytes, std::move(registered), std::move(outbox));
}

// The TLS handshake, under its own timeout; a stop cancels it. False when it failed.
asio::awaitable<bool>
handshake(TlsStream& stream, Connections& connections)
{
  auto& transport = beast::get_lowest_layer(stream);
  const auto registration = connections.add([&transport] { transport.cancel(); });
  transport.expires_after(k_handshake_timeout);
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
              Router& router,
              Connections& connections,
              const std::string& remote_address,
              std::string_view extra_headers)
{
  auto& transport = beast::get_lowest_layer(stream);
  RequestHead head;
  std::string body_storage;
  // A request head has one deadline from its first byte: a client that trickles bytes
  // cannot hold the connection longer than that.
  ParseResult parsed = ParseResult::incomplete;
  transport.expires_after(buffer.used == 0 ? k_idle_timeout : k_head_timeout);
  while ((parsed = parse_request_head(buffer.view(), head)) == ParseResult::incomplete &&
         buffer.used < k_max_head) {
    phase.idle = buffer.used == 0;
    if (!co_await buffer.fill(stream, k_max_head)) {
      co_return false;
    }
    if (phase.idle) {
      transport.expires_after(k_head_timeout);
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
  const std::size_t max_body = router.max_body(target.substr(0, target.find('?')));
  auto body = co_await read_body(stream, buffer, head, body_storage, max_body);
  if (body.status != 0) {
    const Response refused = plain_error(body.status, body.message);
    co_await write_response(stream, refused, extra_headers, false, false);
    co_return false;
  }
  // The buffer is ours: lowercasing the Host in place saves a copy.
  const std::string_view host = find_header(head.headers(), "host");
  lowercase_in_place(const_cast<char*>(host.data()), host.size());

  const Request request{ head.method,   origin_form(head.target), host, head.headers(), body.bytes,
                         remote_address };
  if (websocket::is_upgrade(head)) {
    co_await upgrade(
      stream, head, request, buffer.view().substr(body.end), router, connections, extra_headers);
    co_return false;
  }

  const bool head_only = head.method == "HEAD";
  const Response response = co_await router.handle(request);
  const bool keep_alive = wants_keep_alive(head) && !connections.stopping();
  bool alive = co_await write_response(stream, response, extra_headers, head_only, keep_alive);
  if (response.stream) {
    phase.open_stream = response.stream.get();
    if (connections.stopping()) {
      phase.open_stream->close();
    }
    alive = alive && co_await write_stream(stream, response);
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
serve_requests(Stream& stream,
               Router& router,
               Connections& connections,
               const std::string& remote_address,
               std::string_view extra_headers)
{
  auto& transport = beast::get_lowest_layer(stream);
  ReadBuffer buffer;
  ConnectionPhase phase;
  const auto registration = connections.add([&] {
    if (phase.idle) {
      transport.cancel();
    }
    if (phase.open_stream != nullptr) {
      phase.open_stream->close();
    }
  });
  for (;;) {
    if (buffer.used == 0) {
      transport.expires_after(k_idle_timeout);
      phase.idle = true;
      const bool arrived = co_await await_request(stream, buffer);
      if (!arrived) {
        co_return;
      }
    }
    const bool again = co_await serve_request(
      stream, buffer, phase, router, connections, remote_address, extra_headers);
    if (!again) {
      co_return;
    }
  }
}

} // namespace

asio::awaitable<void>
run_http_session(asio::ip::tcp::socket socket,
                 Router& router,
                 Connections& connections,
                 const SessionSettings& settings)
{
  if (connections.stopping()) {
    co_return; // accepted just before the listener closed
  }
  boost::system::error_code ignored;
  const std::string remote_address = socket.remote_endpoint(ignored).address().to_string();
  if (settings.tls == nullptr) {
    beast::tcp_stream transport(std::move(socket));
    co_await serve_requests(transport, router, connections, remote_address, settings.extra_headers);
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
    start_http2_session(
      std::move(stream), router, connections, remote_address, settings.extra_headers);
    co_return;
  }
  co_await serve_requests(stream, router, connections, remote_address, settings.extra_headers);
}

} // namespace reactor::net
