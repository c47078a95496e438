#include "reactor/net/http2_connection.hpp"

#include <cstring>
#include <exception>

namespace reactor::net::http2 {

namespace {

constexpr std::size_t k_frame_header = 9;

Connection&
connection_of(void* user_data)
{
  return *static_cast<Connection*>(user_data);
}

} // namespace

// A body in memory or in a file: nghttp2 only learns the size of each frame here; the
// bytes go straight into the write batch in send_body.
ssize_t
Connection::read_body(Stream& stream, std::size_t length, std::uint32_t* flags)
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
Connection::send_body(Stream& stream,
                      const nghttp2_frame& frame,
                      const std::uint8_t* header,
                      std::size_t length)
{
  m_out.append(reinterpret_cast<const char*>(header), k_frame_header);
  const std::size_t padding = frame.data.padlen;
  if (padding > 0) {
    m_out.push_back(static_cast<char>(padding - 1));
  }
  const std::uint64_t sent = stream.scheduled - length;
  if (stream.response.file_body) {
    // Room for the bytes, not zero-filled: the write loop reads them in (file_reads)
    // before the batch goes out.
    const std::size_t at = m_out.size();
    m_out.resize_and_overwrite(
      at + length, [&](char* /*data*/, std::size_t /*capacity*/) { return at + length; });
    m_file_reads.add(stream.response.file_body, stream.body_offset + sent, at, length);
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
Connection::read_streamed(Stream& stream,
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

int
Connection::on_begin_headers(nghttp2_session* session, const nghttp2_frame* frame, void* user_data)
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
Connection::on_header(nghttp2_session* session,
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
Connection::on_frame_recv(nghttp2_session* /*session*/, const nghttp2_frame* frame, void* user_data)
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
Connection::on_data_chunk(nghttp2_session* /*session*/,
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
    self.answer(*stream, body_too_large(stream->max_body));
  }
  return 0;
}

// An early answer (413, 431) ends our side; the rest of the client's upload is refused.
int
Connection::on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user_data)
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
Connection::on_stream_close(nghttp2_session* /*session*/,
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
Connection::on_read_data(nghttp2_session* /*session*/,
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
Connection::on_send_data(nghttp2_session* /*session*/,
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
Connection::callbacks()
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

} // namespace reactor::net::http2
