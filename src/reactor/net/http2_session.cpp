#include "reactor/net/date_line.hpp"
#include "reactor/net/http2_connection.hpp"
#include "reactor/net/http2_response.hpp"
#include "reactor/net/plain_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <charconv>
#include <exception>

namespace reactor::net {

namespace asio = boost::asio;

namespace http2 {

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

} // namespace

Response
body_too_large(std::size_t max_body)
{
  return plain_error(413, "Request body larger than " + std::to_string(max_body / 1024) + " KiB");
}

void
Stream::on_outbox_ready()
{
  if (!closed) {
    owner->resume(*this);
  }
}

bool
Connection::start()
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
  // RFC 9218 priorities (from the `priority` header) instead of RFC 7540's tree: a response
  // the client did not mark incremental goes out in one run, not a frame at a time in turn
  // with the others of its urgency, so it completes sooner, and a write batch holds runs of
  // one file's frames, read with one preadv.
  const std::array<nghttp2_settings_entry, 3> settings{
    nghttp2_settings_entry{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, k_max_concurrent_streams },
    nghttp2_settings_entry{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, k_max_header_list },
    nghttp2_settings_entry{ NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1 },
  };
  if (nghttp2_submit_settings(
        m_session.get(), NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0) {
    return false;
  }
  m_registration.emplace(m_context.connections.add([this] { stop_gracefully(); }));
  const auto self = shared_from_this();
  const auto executor = m_stream.get_executor();
  asio::co_spawn(executor, read_loop(self), asio::detached);
  asio::co_spawn(executor, write_loop(self), asio::detached);
  asio::co_spawn(executor, watch_loop(self), asio::detached);
  return true;
}

asio::awaitable<void>
Connection::read_loop(std::shared_ptr<Connection> /*keep_alive*/)
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
Connection::write_loop(std::shared_ptr<Connection> /*keep_alive*/)
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
    if (!m_file_reads.read_into(m_out.data())) {
      break; // a file ended before its response: the frames already made cannot be sent
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
Connection::watch_loop(std::shared_ptr<Connection> /*keep_alive*/)
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
    if (m_out.empty()) {
      // A connection with nothing to write holds no write batch (up to k_write_batch and a
      // frame), one whose event stream stays open included.
      m_out.shrink_to_fit();
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
Connection::find(std::int32_t stream_id)
{
  const auto found = m_streams.find(stream_id);
  return found == m_streams.end() ? nullptr : found->second.get();
}

// The request's fields are in: refuse what cannot be served, and run what has no body.
void
Connection::headers_done(Stream& stream)
{
  if (stream.request.too_large()) {
    answer(stream, plain_error(431, "Request header fields too large"));
    return;
  }
  if (!stream.request.path().starts_with('/')) {
    answer(stream, plain_error(400, "Only origin-form paths are served")); // CONNECT, OPTIONS *
    return;
  }
  stream.max_body = m_context.router.max_body(stream.request.path());
  if (const auto length = stream.request.content_length(); length && *length > stream.max_body) {
    answer(stream, body_too_large(stream.max_body));
  }
}

void
Connection::dispatch(Stream& stream)
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
Connection::run_handler(std::shared_ptr<Connection> /*keep_alive*/, std::shared_ptr<Stream> stream)
{
  Response response;
  try {
    const Request request = stream->request.request(m_context.remote_address);
    response = co_await m_context.router.handle(request);
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
Connection::answer(Stream& stream, Response response)
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
  append_http2_fields(answered, m_context.extra_headers, m_fields);
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
    // An event stream's small messages go ahead of downloads of the default urgency (3),
    // which would otherwise each be sent whole first; incremental, as it never ends.
    const nghttp2_extpri events{ 1, 1 };
    nghttp2_session_change_extpri_stream_priority(m_session.get(), stream.id, &events, 0);
  }
  if (nghttp2_submit_response(
        m_session.get(), stream.id, m_nv.data(), m_nv.size(), has_body ? &provider : nullptr) !=
      0) {
    nghttp2_submit_rst_stream(
      m_session.get(), NGHTTP2_FLAG_NONE, stream.id, NGHTTP2_INTERNAL_ERROR);
  }
}

void
Connection::resume(Stream& stream)
{
  if (m_finished) {
    return;
  }
  nghttp2_session_resume_data(m_session.get(), stream.id);
  wake_writer();
}

// The stream is over on both sides (or reset): a streamed response ends here.
void
Connection::end_stream(Stream& stream)
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
Connection::stop_gracefully()
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
Connection::finish()
{
  if (m_finished) {
    return;
  }
  m_finished = true;
  boost::system::error_code ignored;
  m_stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  m_stream.close();
  m_wakeup.cancel();
  m_watch.cancel();
  for (auto& [id, stream] : m_streams) {
    end_stream(*stream);
  }
  m_streams.clear();
  m_registration.reset();
}

} // namespace http2

void
start_http2_session(TlsStream stream, ConnectionContext context)
{
  auto connection = std::make_shared<http2::Connection>(std::move(stream), std::move(context));
  static_cast<void>(connection->start()); // on failure the connection closes as it goes
}

} // namespace reactor::net
