#pragma once

// Internal to net/: one HTTP/2 stream's request, collected from the header fields nghttp2
// decodes and the DATA it receives, then lent to the router as a `Request`.

#include "reactor/net/http_message.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::net {

// The most header bytes a request may send, counted as HTTP/2's SETTINGS_MAX_HEADER_LIST_SIZE
// counts them (name + value + 32 per field): the HTTP/1.1 head limit.
constexpr std::size_t k_max_header_list = 16 * 1024;

class Http2Request
{
public:
  // Adds a decoded field (pseudo-header or header). Past k_max_header_list the rest is
  // dropped and too_large() says so.
  void add_field(std::string_view name, std::string_view value);
  bool too_large() const { return m_too_large; }

  std::string_view method() const { return field_value(":method"); }
  // The :path without its query string (what the router's body limit is chosen by).
  std::string_view path() const;
  // The content-length field, when sent and valid.
  std::optional<std::uint64_t> content_length() const;

  // Appends body bytes; false (keeping none of them) once the body passes `max_body`.
  bool append_body(std::string_view bytes, std::size_t max_body);

  // The request, its views into this object (valid while it lives and is not changed):
  // :authority (or Host) lowercased as the host and also listed as a Host header, the
  // cookie fields joined into one as HTTP/1.1 sends them (RFC 9113 8.2.3).
  Request request(std::string_view remote_address);

private:
  struct Field
  {
    std::size_t name = 0;
    std::size_t name_size = 0;
    std::size_t value = 0;
    std::size_t value_size = 0;
  };

  std::string_view text(std::size_t offset, std::size_t size) const
  {
    return std::string_view(m_bytes).substr(offset, size);
  }
  std::string_view field_value(std::string_view name) const;

  std::string m_bytes; // every name and value, back to back
  std::vector<Field> m_fields;
  std::size_t m_list_size = 0;
  bool m_too_large = false;
  std::string m_body;
  std::string m_derived; // the lowered host, then the joined cookies
  std::vector<Header> m_headers;
};

} // namespace reactor::net
