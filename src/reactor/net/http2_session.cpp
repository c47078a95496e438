#include "reactor/net/connections.hpp"
#include "reactor/net/date_line.hpp"
#include "reactor/net/http2_request.hpp"
#include "reactor/net/http2_response.hpp"
#include "reactor/net/plain_error.hpp"
#include "reactor/net/sessions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <exception>
#include <nghttp2/nghttp2.h>
#include <optional>
#include <string>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace reactor::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t k_max_concurrent_streams = 128;
// Handlers still running for streams the client already reset count here too, so a client
// resetting as fast as it opens cannot pile up work (CVE-2023-44487).
constexpr std::size_t k_max_running_handlers = std::size_t{ 2 } * k_max_concurrent_streams;
// nghttp2's token bucket for a client's RST_STREAMs: past the burst, 33 a second, then
// GOAWAY (its defaults, stated here because they are the rapid-reset defence).
constexpr std::uint64_t k_reset_burst = 1000;
constexpr std::uint64_t k_reset_rate = 33;
// CONTINUATION frames after one HEADERS: with 16 KiB frames this already passes the header
// list limit, and more is a flood (CVE-2024-28182).
constexpr std::size_t k_max_continuations = 8;
constexpr auto k_idle_timeout = std::chrono::seconds(60);
constexpr auto k_stream_heartbeat = std::chrono::seconds(15);
constexpr auto k_watch_period = std::chrono::seconds(5);
constexpr std::size_t k_read_size = 16 * 1024;
// Frames gathered into one write (two TLS records); a batch ends at the frame that
// reaches this size.
constexpr std::size_t k_write_batch = 32 * 1024;
constexpr std::size_t k_frame_header = 9;

Response
too_large(std::size_t max_body)
{
  return plain_error(413, "Request body larger than " + std::to_string(max_body / 1024) + " KiB");
}

struct SessionFree
{
  void operator()(nghttp2_session* session) const { nghttp2_session_del(session); }
};

class Http2Connection;

// One request stream and, once the router answered, its response.
struct Stream final : Outbox::Reader
{
  Stream(Http2Connection& connection, std::int32_t stream_id)
    : owner(&connection)
    , id(stream_id)
  {
  }

  void on_outbox_ready() override;

  Http2Connection* owner;
  std::int32_t id;
  Http2Request request;
  std::size_t max_body = 0;
  bool dispatched = false;     // handed to the router, or answered by the transport
  bool answered_early = false; // answered before the client finished its request
  bool closed = false;
  Response response;
  std::uint64_t body_offset = 0; // where a file body's bytes start (its slice)
  std::uint64_t body_size = 0;
  std::uint64_t scheduled = 0; // body bytes nghttp2 has framed so far
  // A streamed response: messages taken from the outbox, the first partly sent.
  std::vector<Outbox::Message> batch;
  std::size_t batch_sent = 0;
  Clock::time_point last_data = Clock::now();
  bool stream_ended = false; // a streamed response's end was handled
};

// One HTTP/2 connection over TLS. Three coroutines share it: one reads and feeds nghttp2,
// one writes what nghttp2 has to send, one watches for idleness and stalls and sends
// streams' heartbeats; each request runs in a coroutine of its own.
class Http2Connection final : public std::enable_shared_from_this<Http2Connection>
{
public:
  Http2Connection(TlsStream stream,
                  Router& router,
                  Connections& connections,
                  std::string remote_address,
                  std::string_view extra_headers)
    : m_stream(std::move(stream))
    , m_router(router)
    , m_connections(connections)
    , m_remote_address(std::move(remote_address))
    , m_extra_headers(extra_headers)
    , m_wakeup(m_stream.get_executor())
    , m_watch(m_stream.get_executor())
  {
  }

  bool start();
  void resume(Stream& stream);

private:
  asio::awaitable<void> read_loop(std::shared_ptr<Http2Connection> self);
  asio::awaitable<void> write_loop(std::shared_ptr<Http2Connection> self);
  asio::awaitable<void> watch_loop(std::shared_ptr<Http2Connection> self);
  asio::awaitable<void> run_handler(std::shared_ptr<Http2Connection> self,
                                    std::shared_ptr<Stream> stream);

  Stream* find(std::int32_t stream_id);
  void headers_done(Stream& stream);
  void dispatch(Stream& stream);
  void answer(Stream& stream, Response response);
  void end_stream(Stream& stream);
  void stop_gracefully();
  void wake_writer() { m_wakeup.cancel(); }
  void finish();

  ssize_t read_body(Stream& stream, std::size_t length, std::uint32_t* flags);
  ssize_t read_streamed(Stream& stream,
                        std::uint8_t* buffer,
                        std::size_t length,
                        std::uint32_t* flags);
  int send_body(Stream& stream,
                const nghttp2_frame& frame,
                const std::uint8_t* header,
                std::size_t length);

  // nghttp2's callbacks; `user_data` is the connection.
  static nghttp2_session_callbacks* callbacks();
  static int on_begin_headers(nghttp2_session* session,
                              const nghttp2_frame* frame,
                              void* user_data);
  static int on_header(nghttp2_session* session,
                       const nghttp2_frame* frame,
                       const std::uint8_t* name,
                       std::size_t name_size,
                       const std::uint8_t* value,
                       std::size_t value_size,
                       std::uint8_t flags,
                       void* user_data);
  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user_data);
  static int on_data_chunk(nghttp2_session* session,
                           std::uint8_t flags,
                           std::int32_t stream_id,
                           const std::uint8_t* data,
                           std::size_t size,
                           void* user_data);
  static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user_data);
  static int on_stream_close(nghttp2_session* session,
                             std::int32_t stream_id,
                             std::uint32_t error_code,
                             void* user_data);
  static ssize_t on_read_data(nghttp2_session* session,
                              std::int32_t stream_id,
                              std::uint8_t* buffer,
                              std::size_t length,
                              std::uint32_t* flags,
                              nghttp2_data_source* source,
                              void* user_data);
  static int on_send_data(nghttp2_session* session,
                          nghttp2_frame* frame,
                          const std::uint8_t* header,
                          std::size_t length,
                          nghttp2_data_source* source,
                          void* user_data);

  TlsStream m_stream;
  Router& m_router;
  Connections& m_connections;
  std::string m_remote_address;
  std::string_view m_extra_headers;
  std::unique_ptr<nghttp2_session, SessionFree> m_session;
  std::unordered_map<std::int32_t, std::shared_ptr<Stream>> m_streams;
  std::optional<Connections::Registration> m_registration;
  asio::steady_timer m_wakeup; // the writer waits on it for frames to send
  asio::steady_timer m_watch;
  std::string m_out; // frames gathered for the next write
  std::vector<Http2Field> m_fields;
  std::vector<nghttp2_nv> m_nv;
  std::size_t m_running_handlers = 0;
  Clock::time_point m_last_activity = Clock::now();
  std::optional<Clock::time_point> m_writing_since;
  bool m_closing = false; // write what nghttp2 has queued, then close
  bool m_finished = false;
};

void
Stream::on_outbox_ready()
{
  if (!closed) {
    owner->resume(*this);
  }
}

nghttp2_nv
field(std::string_view name, std::string_view value)
{
  // NOLINTBEGIN(cppcoreguidelines-pro-type-const-cast): nghttp2 copies, never writes them.
  return { reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
           reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())),
           name.size(),
           value.size(),
           NGHTTP2_NV_FLAG_NONE };
  // NOLINTEND(cppcoreguidelines-pro-type-const-cast)
}

Http2Connection&
connection_of(void* user_data)
{
  return *static_cast<Http2Connection*>(user_data);
}

bool
Http2Connection::start()
{
  nghttp2_option* raw_option = nullptr;
  if (nghttp2_option_new(&raw_option) != 0) {
    return false;
  }
  const std::unique_ptr<nghttp2_option, decltype(&nghttp2_option_del)> option(raw_option,
                                                                              nghttp2_option_del);
  nghttp2_option_set_stream_reset_rate_limit(option.get(), k_reset_burst, k_reset_rate);
  nghttp2_option_set_max_continuations(option.get(), k_max_continuations);
  nghttp2_session* raw = nullptr;
  if (nghttp2_session_server_new2(&raw, callbacks(), this, option.get()) != 0) {
    return false;
  }
  m_session.reset(raw);
  // No SETTINGS_ENABLE_CONNECT_PROTOCOL: browsers open WebSockets over HTTP/1.1.
  const std::array<nghttp2_settings_entry, 2> settings{
    nghttp2_settings_entry{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, k_max_concurrent_streams },
    nghttp2_settings_entry{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, k_max_header_list },
  };
  if (nghttp2_submit_settings(
        m_session.get(), NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0) {
    return false;
  }
  m_registration.emplace(m_connections.add([this] { stop_gracefully(); }));
  const auto self = shared_from_this();
  const auto executor = m_stream.get_executor();
  asio::co_spawn(executor, read_loop(self), asio::detached);
  asio::co_spawn(executor, write_loop(self), asio::detached);
  asio::co_spawn(executor, watch_loop(self), asio::detached);
  return true;
}

asio::awaitable<void>
Http2Connection::read_loop(std::shared_ptr<Http2Connection> /*keep_alive*/)
{
  std::vector<std::uint8_t> chunk(k_read_size);
  while (!m_finished && !m_closing) {
    auto [ec, read] =
      co_await m_stream.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    if (ec || m_finished) {
      finish(); // the client closed the connection, or it failed
      co_return;
    }
    m_last_activity = Clock::now();
    const auto received = nghttp2_session_mem_recv(m_session.get(), chunk.data(), read);
    if (received < 0) {
      // A bad preface, a protocol error or a flood: nghttp2 stops without a GOAWAY of its
      // own, so the client is told why before the connection closes.
      const bool flood =
        received == NGHTTP2_ERR_FLOODED || received == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS;
      nghttp2_session_terminate_session(m_session.get(),
                                        flood ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
      m_closing = true;
    }
    wake_writer();
  }
}

asio::awaitable<void>
Http2Connection::write_loop(std::shared_ptr<Http2Connection> /*keep_alive*/)
{
  while (!m_finished) {
    m_out.clear();
    while (m_out.size() < k_write_batch) {
      const std::uint8_t* data = nullptr;
      const ssize_t size = nghttp2_session_mem_send(m_session.get(), &data);
      if (size < 0) {
        m_closing = true;
        break;
      }
      if (size == 0) {
        break;
      }
      m_out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
    }
    if (m_out.empty()) {
      if (m_closing || (nghttp2_session_want_read(m_session.get()) == 0 &&
                        nghttp2_session_want_write(m_session.get()) == 0)) {
        break; // every frame is out and the session is over
      }
      m_wakeup.expires_at(Clock::time_point::max());
      co_await m_wakeup.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    m_writing_since = Clock::now();
    auto [ec, written] = co_await asio::async_write(
      m_stream, asio::buffer(m_out), asio::as_tuple(asio::use_awaitable));
    m_writing_since.reset();
    if (ec) {
      break;
    }
  }
  finish();
}

asio::awaitable<void>
Http2Connection::watch_loop(std::shared_ptr<Http2Connection> /*keep_alive*/)
{
  while (!m_finished) {
    m_watch.expires_after(k_watch_period);
    co_await m_watch.async_wait(asio::as_tuple(asio::use_awaitable));
    if (m_finished) {
      break;
    }
    const auto now = Clock::now();
    if (m_writing_since && now - *m_writing_since >= k_idle_timeout) {
      finish(); // the client stopped taking what we write
      break;
    }
    if (m_streams.empty() && m_out.empty()) {
      m_out.shrink_to_fit(); // a connection with nothing to send holds no write batch
    }
    if (m_streams.empty() && now - m_last_activity >= k_idle_timeout) {
      nghttp2_session_terminate_session(m_session.get(), NGHTTP2_NO_ERROR);
      wake_writer();
      continue;
    }
    for (auto& [id, stream] : m_streams) {
      if (stream->response.stream && !stream->response.heartbeat.empty() && stream->batch.empty() &&
          now - stream->last_data >= k_stream_heartbeat) {
        stream->batch.push_back(std::make_shared<const std::string>(stream->response.heartbeat));
        stream->last_data = now;
        resume(*stream);
      }
    }
  }
}

Stream*
Http2Connection::find(std::int32_t stream_id)
{
  const auto found = m_streams.find(stream_id);
  return found == m_streams.end() ? nullptr : found->second.get();
}

// The request's fields are in: refuse what cannot be served, and run what has no body.
void
Http2Connection::headers_done(Stream& stream)
{
  if (stream.request.too_large()) {
    answer(stream, plain_error(431, "Request header fields too large"));
    return;
  }
  if (!stream.request.path().starts_with('/')) {
    answer(stream, plain_error(400, "Only origin-form paths are served")); // CONNECT, OPTIONS *
    return;
  }
  stream.max_body = m_router.max_body(stream.request.path());
  if (const auto length = stream.request.content_length(); length && *length > stream.max_body) {
    answer(stream, too_large(stream.max_body));
  }
}

void
Http2Connection::dispatch(Stream& stream)
{
  if (stream.dispatched) {
    return;
  }
  stream.dispatched = true;
  if (m_running_handlers >= k_max_running_handlers) {
    nghttp2_submit_rst_stream(
      m_session.get(), NGHTTP2_FLAG_NONE, stream.id, NGHTTP2_REFUSED_STREAM);
    return;
  }
  ++m_running_handlers;
  asio::co_spawn(m_stream.get_executor(),
                 run_handler(shared_from_this(), m_streams.at(stream.id)),
                 asio::detached);
}

asio::awaitable<void>
Http2Connection::run_handler(std::shared_ptr<Http2Connection> /*keep_alive*/,
                             std::shared_ptr<Stream> stream)
{
  Response response;
  try {
    const Request request = stream->request.request(m_remote_address);
    response = co_await m_router.handle(request);
  } catch (const std::exception&) {
    response = plain_error(500, "Internal server error");
  }
  --m_running_handlers;
  if (stream->closed || m_finished) {
    if (response.stream) {
      response.stream->close();
    }
    if (response.on_stream_end) {
      response.on_stream_end();
    }
    co_return;
  }
  answer(*stream, std::move(response));
  wake_writer();
}

// Submits the response's HEADERS and, through a data provider, its body.
void
Http2Connection::answer(Stream& stream, Response response)
{
  if (!stream.dispatched) {
    stream.dispatched = true;
    stream.answered_early = true;
  }
  stream.response = std::move(response);
  const Response& answered = stream.response;
  const unsigned status = answered.status;
  const bool head_only = stream.request.method() == "HEAD";
  const bool bodyless = status == 304 || status == 204 || (status >= 100 && status < 200);
  stream.body_size = answered.body_size();
  stream.body_offset = answered.slice ? answered.slice->offset : 0;

  m_fields.clear();
  append_http2_fields(answered, m_extra_headers, m_fields);
  std::array<char, 4> status_text{};
  const auto status_end = std::to_chars(status_text.data(), status_text.data() + 3, status).ptr;
  const std::string length = std::to_string(stream.body_size);
  m_nv.clear();
  m_nv.push_back(field(":status", { status_text.data(), status_end }));
  if (!answered.stream && !bodyless) {
    m_nv.push_back(field("content-length", length));
  }
  m_nv.push_back(field("date", date_value()));
  for (const auto& [name, value] : m_fields) {
    m_nv.push_back(field(name, value));
  }

  const bool has_body = !head_only && !bodyless && (answered.stream || stream.body_size > 0);
  if (answered.stream && !has_body) {
    answered.stream->close();
  }
  nghttp2_data_provider provider{};
  provider.source.ptr = &stream;
  provider.read_callback = on_read_data;
  if (answered.stream && has_body) {
    answered.stream->attach(m_stream.get_executor(), m_streams.at(stream.id));
  }
  if (nghttp2_submit_response(
        m_session.get(), stream.id, m_nv.data(), m_nv.size(), has_body ? &provider : nullptr) !=
      0) {
    nghttp2_submit_rst_stream(
      m_session.get(), NGHTTP2_FLAG_NONE, stream.id, NGHTTP2_INTERNAL_ERROR);
  }
}

// A body in memory or in a file: nghttp2 only learns the size of each frame here; the
// bytes go straight into the write buffer in send_body.
ssize_t
Http2Connection::read_body(Stream& stream, std::size_t length, std::uint32_t* flags)
{
  const auto size =
    static_cast<std::size_t>(std::min<std::uint64_t>(length, stream.body_size - stream.scheduled));
  stream.scheduled += size;
  *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
  if (stream.scheduled == stream.body_size) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  }
  return static_cast<ssize_t>(size);
}

int
Http2Connection::send_body(Stream& stream,
                           const nghttp2_frame& frame,
                           const std::uint8_t* header,
                           std::size_t length)
{
  const std::size_t start = m_out.size();
  m_out.append(reinterpret_cast<const char*>(header), k_frame_header);
  const std::size_t padding = frame.data.padlen;
  if (padding > 0) {
    m_out.push_back(static_cast<char>(padding - 1));
  }
  const std::uint64_t sent = stream.scheduled - length;
  if (stream.response.file_body) {
    const std::size_t at = m_out.size();
    bool complete = true;
    // Read straight into the batch, with no zero-filling first. The size the callback gets
    // is not used: libstdc++ 12 passes the grown capacity instead of the size asked for.
    m_out.resize_and_overwrite(at + length, [&](char* data, std::size_t /*capacity*/) {
      std::size_t done = 0;
      while (done < length) {
        const ssize_t read = ::pread(stream.response.file_body->fd,
                                     data + at + done,
                                     length - done,
                                     static_cast<off_t>(stream.body_offset + sent + done));
        if (read < 0 && errno == EINTR) {
          continue;
        }
        if (read <= 0) {
          complete = false; // the file shrank (it never should): the stream is reset
          return start;
        }
        done += static_cast<std::size_t>(read);
      }
      return at + length;
    });
    if (!complete) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
  } else {
    m_out.append(stream.response.payload().substr(sent, length));
  }
  if (padding > 1) {
    m_out.append(padding - 1, '\0');
  }
  // A full batch goes out before nghttp2 frames more: with the client's windows open it
  // would otherwise frame every pending stream's data into one write of megabytes.
  return m_out.size() >= k_write_batch ? NGHTTP2_ERR_PAUSE : 0;
}

// A streamed response: the outbox's messages, copied as nghttp2 asks for them; deferred
// while the outbox is empty, resumed by its reader.
ssize_t
Http2Connection::read_streamed(Stream& stream,
                               std::uint8_t* buffer,
                               std::size_t length,
                               std::uint32_t* flags)
{
  if (stream.batch.empty() && !stream.response.stream->take(stream.batch)) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return 0;
  }
  if (stream.batch.empty()) {
    return NGHTTP2_ERR_DEFERRED;
  }
  std::size_t copied = 0;
  std::size_t used = 0;
  for (const auto& message : stream.batch) {
    const std::string_view rest = std::string_view(*message).substr(stream.batch_sent);
    const std::size_t part = std::min(rest.size(), length - copied);
    std::memcpy(buffer + copied, rest.data(), part);
    copied += part;
    if (part < rest.size()) {
      stream.batch_sent += part;
      break;
    }
    stream.batch_sent = 0;
    ++used;
  }
  stream.batch.erase(stream.batch.begin(),
                     stream.batch.begin() + static_cast<std::ptrdiff_t>(used));
  stream.last_data = Clock::now();
  return static_cast<ssize_t>(copied);
}

void
Http2Connection::resume(Stream& stream)
{
  if (m_finished) {
    return;
  }
  nghttp2_session_resume_data(m_session.get(), stream.id);
  wake_writer();
}

// The stream is over on both sides (or reset): a streamed response ends here.
void
Http2Connection::end_stream(Stream& stream)
{
  stream.closed = true;
  if (stream.response.stream && !stream.stream_ended) {
    stream.stream_ended = true;
    stream.response.stream->close();
    if (stream.response.on_stream_end) {
      stream.response.on_stream_end();
    }
  }
}

// A stop: GOAWAY names the last stream taken, which finish; streamed responses end after
// what is queued. The connection closes once every stream is done.
void
Http2Connection::stop_gracefully()
{
  if (m_finished) {
    return;
  }
  nghttp2_submit_goaway(m_session.get(),
                        NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(m_session.get()),
                        NGHTTP2_NO_ERROR,
                        nullptr,
                        0);
  for (auto& [id, stream] : m_streams) {
    if (stream->response.stream) {
      stream->response.stream->close();
    }
  }
  wake_writer();
}

void
Http2Connection::finish()
{
  if (m_finished) {
    return;
  }
  m_finished = true;
  boost::system::error_code ignored;
  auto& transport = beast::get_lowest_layer(m_stream);
  transport.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  transport.close();
  m_wakeup.cancel();
  m_watch.cancel();
  for (auto& [id, stream] : m_streams) {
    end_stream(*stream);
  }
  m_streams.clear();
  m_registration.reset();
}

int
Http2Connection::on_begin_headers(nghttp2_session* session,
                                  const nghttp2_frame* frame,
                                  void* user_data)
{
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    auto& self = connection_of(user_data);
    auto stream = std::make_shared<Stream>(self, frame->hd.stream_id);
    nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, stream.get());
    self.m_streams.emplace(frame->hd.stream_id, std::move(stream));
  }
  return 0;
}

int
Http2Connection::on_header(nghttp2_session* session,
                           const nghttp2_frame* frame,
                           const std::uint8_t* name,
                           std::size_t name_size,
                           const std::uint8_t* value,
                           std::size_t value_size,
                           std::uint8_t /*flags*/,
                           void* /*user_data*/)
{
  auto* stream =
    static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (stream != nullptr && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    stream->request.add_field({ reinterpret_cast<const char*>(name), name_size },
                              { reinterpret_cast<const char*>(value), value_size });
  }
  return 0;
}

int
Http2Connection::on_frame_recv(nghttp2_session* /*session*/,
                               const nghttp2_frame* frame,
                               void* user_data)
{
  auto& self = connection_of(user_data);
  Stream* stream = self.find(frame->hd.stream_id);
  if (stream == nullptr) {
    return 0;
  }
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    self.headers_done(*stream);
  }
  const bool request_ended =
    (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (request_ended) {
    self.dispatch(*stream);
  }
  return 0;
}

int
Http2Connection::on_data_chunk(nghttp2_session* /*session*/,
                               std::uint8_t /*flags*/,
                               std::int32_t stream_id,
                               const std::uint8_t* data,
                               std::size_t size,
                               void* user_data)
{
  auto& self = connection_of(user_data);
  Stream* stream = self.find(stream_id);
  if (stream == nullptr || stream->dispatched) {
    return 0; // answered already: the rest of the upload is dropped
  }
  if (!stream->request.append_body({ reinterpret_cast<const char*>(data), size },
                                   stream->max_body)) {
    self.answer(*stream, too_large(stream->max_body));
  }
  return 0;
}

// An early answer (413, 431) ends our side; the rest of the client's upload is refused.
int
Http2Connection::on_frame_send(nghttp2_session* session,
                               const nghttp2_frame* frame,
                               void* user_data)
{
  Stream* stream = connection_of(user_data).find(frame->hd.stream_id);
  if (stream != nullptr && stream->answered_early &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 &&
      nghttp2_session_get_stream_remote_close(session, stream->id) == 0) {
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream->id, NGHTTP2_NO_ERROR);
  }
  return 0;
}

int
Http2Connection::on_stream_close(nghttp2_session* /*session*/,
                                 std::int32_t stream_id,
                                 std::uint32_t /*error_code*/,
                                 void* user_data)
{
  auto& self = connection_of(user_data);
  const auto found = self.m_streams.find(stream_id);
  if (found != self.m_streams.end()) {
    const auto stream = std::move(found->second);
    self.m_streams.erase(found);
    self.end_stream(*stream);
    self.m_last_activity = Clock::now();
  }
  return 0;
}

ssize_t
Http2Connection::on_read_data(nghttp2_session* /*session*/,
                              std::int32_t /*stream_id*/,
                              std::uint8_t* buffer,
                              std::size_t length,
                              std::uint32_t* flags,
                              nghttp2_data_source* source,
                              void* user_data)
{
  auto& self = connection_of(user_data);
  auto& stream = *static_cast<Stream*>(source->ptr);
  return stream.response.stream ? self.read_streamed(stream, buffer, length, flags)
                                : self.read_body(stream, length, flags);
}

int
Http2Connection::on_send_data(nghttp2_session* /*session*/,
                              nghttp2_frame* frame,
                              const std::uint8_t* header,
                              std::size_t length,
                              nghttp2_data_source* source,
                              void* user_data)
{
  return connection_of(user_data).send_body(
    *static_cast<Stream*>(source->ptr), *frame, header, length);
}

nghttp2_session_callbacks*
Http2Connection::callbacks()
{
  static nghttp2_session_callbacks* const k_callbacks = [] {
    nghttp2_session_callbacks* made = nullptr;
    if (nghttp2_session_callbacks_new(&made) != 0) {
      std::terminate(); // out of memory at start
    }
    nghttp2_session_callbacks_set_on_begin_headers_callback(made, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(made, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(made, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(made, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_send_callback(made, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(made, on_stream_close);
    nghttp2_session_callbacks_set_send_data_callback(made, on_send_data);
    return made;
  }();
  return k_callbacks;
}

} // namespace

void
start_http2_session(TlsStream stream,
                    Router& router,
                    Connections& connections,
                    std::string remote_address,
                    std::string_view extra_headers)
{
  auto connection = std::make_shared<Http2Connection>(
    std::move(stream), router, connections, std::move(remote_address), extra_headers);
  static_cast<void>(connection->start()); // on failure the connection closes as it goes
}

} // namespace reactor::net
