#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace reactor::net {

struct Header
{
  std::string_view name;
  std::string_view value;
};

constexpr std::size_t k_max_headers = 64;

// A request's line and headers, as views into the connection's buffer.
struct RequestHead
{
  std::string_view method;
  std::string_view target;
  int minor_version = 1; // HTTP/1.<minor_version>
  std::array<Header, k_max_headers> header_storage{};
  std::size_t header_count = 0;
  std::size_t length = 0; // bytes of the head, through the empty line

  std::span<const Header> headers() const { return { header_storage.data(), header_count }; }
};

enum class ParseResult
{
  complete,
  incomplete,
  malformed,
  too_many_headers
};

// Parses an HTTP/1.x request head from the start of `data`, without allocating. Line
// ends may be CRLF or LF; folded header lines and control characters are malformed.
ParseResult parse_request_head(std::string_view data, RequestHead& head);

enum class BodyResult
{
  complete,
  incomplete,
  malformed,
  too_large
};

// Decodes a chunked request body (RFC 9112 7.1) from the start of `data` into `body`,
// at most `max_size` bytes of it; `consumed` is the length of the encoding through the
// last chunk and trailers. Chunk extensions and trailers are read and ignored.
BodyResult decode_chunked(std::string_view data,
                          std::size_t max_size,
                          std::string& body,
                          std::size_t& consumed);

// The value of the first header of that name (ASCII case-insensitive); empty when absent.
std::string_view find_header(std::span<const Header> headers, std::string_view name);

// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim(std::string_view text);

// ASCII case-insensitive equality.
bool equals_ignoring_case(std::string_view a, std::string_view b);

// True when a comma-separated header value lists `token` (case-insensitive).
bool header_has_token(std::string_view value, std::string_view token);

} // namespace reactor::net
