#pragma once

// Internal to net/: one HTTP/2 connection over TLS. http2_session.cpp runs its life (the
// reading, writing and watching coroutines, each request's handler, stops); nghttp2 calls
// back into http2_callbacks.cpp for frames received and for the bodies it frames.

#include "reactor/net/connections.hpp"
#include "reactor/net/file_reads.hpp"
#include "reactor/net/http2_request.hpp"
#include "reactor/net/http2_response.hpp"
#include "reactor/net/sessions.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nghttp2/nghttp2.h>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace reactor::net::http2 {

using Clock = std::chrono::steady_clock;

// Frames gathered into one write (sixteen TLS records); a batch ends at the frame that
// reaches this size. Large files take few passes through the write loop at this size;
// larger batches lengthened the tail (docs/BENCHMARKS.md, "Write batches").
constexpr std::size_t k_write_batch = 256 * 1024;

// The 413 for a request body past `max_body`.
Response body_too_large(std::size_t max_body);

struct SessionFree
{
  void operator()(nghttp2_session* session) const { nghttp2_session_del(session); }
};

class Connection;

// One request stream and, once the router answered, its response.
struct Stream final : Outbox::Reader
{
  Stream(Connection& connection, std::int32_t stream_id)
    : owner(&connection)
    , id(stream_id)
  {
  }

  void on_outbox_ready() override;

  Connection* owner;
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
class Connection final : public std::enable_shared_from_this<Connection>
{
public:
  Connection(TlsStream stream, ConnectionContext context)
    : m_stream(std::move(stream))
    , m_context(std::move(context))
    , m_wakeup(m_stream.get_executor())
    , m_watch(m_stream.get_executor())
  {
  }

  bool start();
  void resume(Stream& stream);

private:
  boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> self);
  boost::asio::awaitable<void> write_loop(std::shared_ptr<Connection> self);
  boost::asio::awaitable<void> watch_loop(std::shared_ptr<Connection> self);
  boost::asio::awaitable<void> run_handler(std::shared_ptr<Connection> self,
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
  ConnectionContext m_context;
  std::unique_ptr<nghttp2_session, SessionFree> m_session;
  std::unordered_map<std::int32_t, std::shared_ptr<Stream>> m_streams;
  std::optional<Connections::Registration> m_registration;
  boost::asio::steady_timer m_wakeup; // the writer waits on it for frames to send
  boost::asio::steady_timer m_watch;
  std::string m_out;      // frames gathered for the next write
  FileReads m_file_reads; // the file bytes of m_out's DATA frames, read before it is written
  std::vector<Http2Field> m_fields;
  std::vector<nghttp2_nv> m_nv;
  std::size_t m_running_handlers = 0;
  Clock::time_point m_last_activity = Clock::now();
  std::optional<Clock::time_point> m_writing_since;
  bool m_closing = false; // write what nghttp2 has queued, then close
  bool m_finished = false;
};

} // namespace reactor::net::http2
