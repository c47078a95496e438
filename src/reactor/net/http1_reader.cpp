#include "reactor/net/http1_reader.hpp"

#include "reactor/net/tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <algorithm>
#include <cstring>

namespace reactor::net::http1 {

namespace asio = boost::asio;

namespace {

// A request head's first buffer (nginx's client_header_buffer_size); it doubles as needed.
constexpr std::size_t k_initial_buffer = 1024;

Body
too_large(std::size_t max_body)
{
  return Body{ {}, 0, 413, "Request body larger than " + std::to_string(max_body / 1024) + " KiB" };
}

} // namespace

void
ReadBuffer::consume(std::size_t count)
{
  std::memmove(bytes.data(), bytes.data() + count, used - count);
  used -= count;
}

void
ReadBuffer::release()
{
  if (used == 0) {
    bytes = std::vector<char>(); // `= {}` would clear it and keep the memory
  }
}

template<typename Stream>
asio::awaitable<bool>
ReadBuffer::fill(Stream& stream, std::size_t limit)
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

bool
wants_keep_alive(const RequestHead& head)
{
  const std::string_view connection = find_header(head.headers(), "connection");
  return head.minor_version == 1 ? !header_has_token(connection, "close")
                                 : header_has_token(connection, "keep-alive");
}

template asio::awaitable<bool> ReadBuffer::fill(boost::beast::tcp_stream&, std::size_t);
template asio::awaitable<bool> ReadBuffer::fill(TlsStream&, std::size_t);
template asio::awaitable<Body> read_body(boost::beast::tcp_stream&,
                                         ReadBuffer&,
                                         RequestHead&,
                                         std::string&,
                                         std::size_t);
template asio::awaitable<Body> read_body(TlsStream&,
                                         ReadBuffer&,
                                         RequestHead&,
                                         std::string&,
                                         std::size_t);

} // namespace reactor::net::http1
