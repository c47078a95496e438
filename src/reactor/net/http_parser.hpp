#pragma once

#include <array>
#include <cstddef>
#include <expected>
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
// last chunk and trailers. Chunk extensions and trailers are read and ignored. Every
// line of the framing must end in CRLF: a bare LF is malformed, so no proxy in front
// can read the body's end elsewhere than Reactor does.
BodyResult decode_chunked(std::string_view data,
                          std::size_t max_size,
                          std::string& body,
                          std::size_t& consumed);

// How a request's body is delimited (RFC 9112 6.3).
struct BodyFraming
{
  enum class Kind
  {
    none,
    content_length,
    chunked
  };
  Kind kind = Kind::none;
  std::size_t content_length = 0;
};

// Why a request head cannot be served: a status (400 or 501) and a message.
struct FramingError
{
  unsigned status = 400;
  std::string_view message;
};

// Checks what RFC 9112 asks a server to refuse, since a proxy in front might read the
// request otherwise: exactly one Host (none on HTTP/1.0 is fine), an absolute-form
// target naming that Host, at most one Content-Length with digits only, Transfer-Encoding
// only as one `chunked`, on HTTP/1.1 and without Content-Length. Returns the framing.
std::expected<BodyFraming, FramingError> check_framing(const RequestHead& head);

// The origin-form ("/path?query") of a request target; absolute-form targets
// ("http://host/path") lose their scheme and authority.
std::string_view origin_form(std::string_view target);

// The value of the first header of that name (ASCII case-insensitive); empty when absent.
std::string_view find_header(std::span<const Header> headers, std::string_view name);

// True when a comma-separated header value lists `token` (case-insensitive).
bool header_has_token(std::string_view value, std::string_view token);

} // namespace reactor::net
