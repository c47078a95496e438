#pragma once

// Internal to net/: a Response's header fields as HTTP/2 sends them.

#include "reactor/net/http_message.hpp"

#include <string_view>
#include <vector>

namespace reactor::net {

struct Http2Field
{
  std::string_view name;
  std::string_view value;
};

// Appends the header fields of `response` to `out`: its headers, or the lines of its
// prepared head after the status line, then the listener's `extra_headers` (CRLF lines).
// Leaves out what HTTP/2 forbids (Connection, Keep-Alive, Proxy-Connection,
// Transfer-Encoding, Upgrade) and Content-Length, which the session adds for the body it
// sends. Names keep their case (nghttp2 lowercases its copy); the views point into
// `response` and `extra_headers`.
void append_http2_fields(const Response& response,
                         std::string_view extra_headers,
                         std::vector<Http2Field>& out);

} // namespace reactor::net
