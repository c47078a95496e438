#pragma once

#include "reactor/net/http_parser.hpp"
#include "reactor/net/outbox.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reactor::net {

// A parsed HTTP request, free of any transport type, so handlers are plain functions.
// Every view points into the connection's buffers, valid until the response is sent.
struct Request
{
  std::string_view method; // "GET", "POST", …
  std::string_view target; // "/path?query", as sent
  std::string_view host;   // the Host header, lowercase
  std::span<const Header> headers;
  std::string_view body;
  std::string_view remote_address;

  // The first header with this name (case-insensitive); empty when absent.
  std::string_view header(std::string_view name) const;
  // The target without its query string.
  std::string_view path() const;
  // The raw value of a query parameter; nullopt when absent.
  std::optional<std::string_view> query(std::string_view name) const;
};

// A response body sent straight from a file with sendfile; owns the descriptor.
struct FileBody
{
  int fd = -1;
  std::uint64_t size = 0;
  FileBody(int descriptor, std::uint64_t bytes);
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;
  ~FileBody();
};

// The part of a shared or file body that is sent (a byte range), instead of all of it.
struct BodySlice
{
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct Response
{
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers; // Content-Length and Date are added
  std::string body;
  std::shared_ptr<const std::string> shared_body; // sent instead of body when set
  std::shared_ptr<const FileBody> file_body;      // sent instead of both when set
  std::optional<BodySlice> slice;                 // of shared_body or file_body
  // When set, the status line and every header but Date, already rendered (each line
  // ending in CRLF): `headers` is ignored and nothing is rendered per request.
  std::shared_ptr<const std::string> prepared_head;

  // A streamed response (SSE, followed logs): after the head, each message of the outbox
  // is sent as one chunk until the outbox closes; `heartbeat`, when set, is sent after 15
  // idle seconds so dead clients are found. `on_stream_end` runs when the stream ends.
  std::shared_ptr<Outbox> stream;
  std::string heartbeat;
  std::function<void()> on_stream_end;

  // The bytes sent from memory (none for a file body).
  std::string_view payload() const
  {
    if (file_body) {
      return {};
    }
    const std::string_view whole = shared_body ? *shared_body : body;
    return slice ? whole.substr(slice->offset, slice->length) : whole;
  }
  // The bytes sent from memory or from the file: the Content-Length.
  std::uint64_t body_size() const
  {
    if (!file_body) {
      return payload().size();
    }
    return slice ? slice->length : file_body->size;
  }
};

Response json_response(unsigned status, std::string json);
// {"error": message}
Response json_error(unsigned status, std::string_view message);

// True when an If-None-Match value names `etag` (a quoted ETag) or is "*": weak comparison
// (RFC 9110 13.1.2), so W/"x" matches "x"; the quotes keep "x" from matching "x-gz".
bool etag_matches(std::string_view if_none_match, std::string_view etag);

} // namespace reactor::net
