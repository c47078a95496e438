#include "reactor/net/http2_request.hpp"

#include "reactor/util/text.hpp"

#include <charconv>

namespace reactor::net {

namespace {

// What SETTINGS_MAX_HEADER_LIST_SIZE adds to each field's name and value (RFC 9113 6.5.2).
constexpr std::size_t k_field_overhead = 32;

} // namespace

void
Http2Request::add_field(std::string_view name, std::string_view value)
{
  m_list_size += name.size() + value.size() + k_field_overhead;
  if (m_list_size > k_max_header_list) {
    m_too_large = true;
  }
  if (m_too_large) {
    return;
  }
  m_fields.push_back({ m_bytes.size(), name.size(), m_bytes.size() + name.size(), value.size() });
  m_bytes.append(name).append(value);
}

std::string_view
Http2Request::field_value(std::string_view name) const
{
  for (const auto& field : m_fields) {
    if (text(field.name, field.name_size) == name) {
      return text(field.value, field.value_size);
    }
  }
  return {};
}

std::string_view
Http2Request::path() const
{
  const std::string_view target = field_value(":path");
  return target.substr(0, target.find('?'));
}

std::optional<std::uint64_t>
Http2Request::content_length() const
{
  const std::string_view value = field_value("content-length");
  std::uint64_t length = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (value.empty() || error != std::errc{} || end != value.data() + value.size()) {
    return std::nullopt;
  }
  return length;
}

bool
Http2Request::append_body(std::string_view bytes, std::size_t max_body)
{
  if (bytes.size() > max_body - m_body.size()) {
    return false;
  }
  m_body.append(bytes);
  return true;
}

Request
Http2Request::request(std::string_view remote_address)
{
  // The lowered host and the joined cookies are written before any view into them is taken.
  std::string_view host = field_value(":authority");
  if (host.empty()) {
    host = field_value("host");
  }
  m_derived = util::ascii_lowercase(host);
  const std::size_t host_size = m_derived.size();
  std::size_t cookies = 0;
  for (const auto& field : m_fields) {
    if (text(field.name, field.name_size) == "cookie") {
      if (cookies++ != 0) {
        m_derived.append("; ");
      }
      m_derived.append(text(field.value, field.value_size));
    }
  }
  const std::string_view derived = m_derived;
  const std::string_view lowered_host = derived.substr(0, host_size);

  m_headers.clear();
  m_headers.reserve(m_fields.size() + 2);
  m_headers.push_back({ "host", lowered_host });
  for (const auto& field : m_fields) {
    const std::string_view name = text(field.name, field.name_size);
    if (name.starts_with(':') || name == "host" || name == "cookie") {
      continue;
    }
    m_headers.push_back({ name, text(field.value, field.value_size) });
  }
  if (cookies != 0) {
    m_headers.push_back({ "cookie", derived.substr(host_size) });
  }
  return Request{ field_value(":method"), field_value(":path"), lowered_host, m_headers, m_body,
                  remote_address };
}

} // namespace reactor::net
