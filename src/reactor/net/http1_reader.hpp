#pragma once

// Internal to net/: reading one HTTP/1.1 request (head and body) from a connection. The
// templates are defined for boost::beast::tcp_stream and TlsStream.

#include "reactor/net/http_parser.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::net::http1 {

constexpr std::size_t k_max_head = 16 * 1024;

// The bytes of one connection: the request head and, when it fits, the body. Allocated
// when a request starts arriving, so that a connection between requests can give it back.
struct ReadBuffer
{
  std::vector<char> bytes;
  std::size_t used = 0;

  std::string_view view() const { return { bytes.data(), used }; }

  // Drops the first `count` bytes (a finished request), keeping any pipelined rest.
  void consume(std::size_t count);

  // Gives the memory back when it holds nothing.
  void release();

  // Reads more, growing the buffer up to `limit` bytes (never shrinking it below what it
  // holds); false on end of stream, error, timeout, or a full buffer.
  template<typename Stream>
  boost::asio::awaitable<bool> fill(Stream& stream, std::size_t limit);
};

struct Body
{
  std::string_view bytes;
  std::size_t end = 0; // where the request ends in the buffer
  unsigned status = 0; // an error status to answer with instead, or 0
  std::string message;
};

// Reads the request's body (Content-Length or chunked, at most max_body) after its head.
// The bytes end up in the buffer or, for a chunked body, in `storage`.
template<typename Stream>
boost::asio::awaitable<Body> read_body(Stream& stream,
                                       ReadBuffer& buffer,
                                       RequestHead& head,
                                       std::string& storage,
                                       std::size_t max_body);

// Whether the client keeps the connection open after this request (HTTP/1.1 unless it
// says close; HTTP/1.0 only when it asks).
bool wants_keep_alive(const RequestHead& head);

} // namespace reactor::net::http1
