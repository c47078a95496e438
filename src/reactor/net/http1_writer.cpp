#include "reactor/net/http1_writer.hpp"

#include "reactor/net/date_line.hpp"
#include "reactor/net/tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>

namespace reactor::net::http1 {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// Over TLS a file is read and encrypted in pieces of this size.
constexpr std::size_t k_file_chunk = 64 * 1024;
constexpr auto k_stream_heartbeat = std::chrono::seconds(15);

// What one response's head and in-memory body go out as: head, Date, the listener's own
// headers, the connection line, the body.
using ResponseBuffers = std::array<asio::const_buffer, 5>;

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
asio::awaitable<bool>
write_head_then_file(beast::tcp_stream& stream,
                     const ResponseBuffers& buffers,
                     const FileBody& file,
                     BodySlice part)
{
  std::array<iovec, std::tuple_size_v<ResponseBuffers>> parts{};
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
    beast::buffers_suffix<ResponseBuffers> rest(buffers);
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
    stream.expires_after(k_idle_timeout);
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

asio::awaitable<bool>
write_head_then_file(TlsStream& stream,
                     const ResponseBuffers& buffers,
                     const FileBody& file,
                     BodySlice part)
{
  stream.expires_after(k_idle_timeout);
  auto [ec, written] =
    co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    co_return false;
  }
  co_return co_await send_file_contents(stream, file, part);
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
  stream.expires_after(k_idle_timeout);
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

} // namespace

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
  const ResponseBuffers buffers{ asio::buffer(head.data(), head.size()),
                                 asio::buffer(date.data(), date.size()),
                                 asio::buffer(extra_headers.data(), extra_headers.size()),
                                 asio::buffer(end.data(), end.size()),
                                 asio::buffer(payload.data(), head_only ? 0 : payload.size()) };
  if (response.file_body && !head_only) {
    const BodySlice part = response.slice.value_or(BodySlice{ 0, response.file_body->size });
    co_return co_await write_head_then_file(stream, buffers, *response.file_body, part);
  }
  stream.expires_after(k_idle_timeout);
  auto [ec, written] =
    co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

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

template asio::awaitable<bool> write_response(beast::tcp_stream&,
                                              const Response&,
                                              std::string_view,
                                              bool,
                                              bool);
template asio::awaitable<bool> write_response(TlsStream&,
                                              const Response&,
                                              std::string_view,
                                              bool,
                                              bool);
template asio::awaitable<bool> write_stream(beast::tcp_stream&, const Response&);
template asio::awaitable<bool> write_stream(TlsStream&, const Response&);

} // namespace reactor::net::http1
