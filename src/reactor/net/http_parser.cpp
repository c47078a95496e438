#include "reactor/net/http_parser.hpp"

#include "reactor/util/text.hpp"

#include <algorithm>
#include <charconv>

namespace reactor::net {

namespace {

bool
is_token_char(char c)
{
  const auto byte = static_cast<unsigned char>(c);
  if (byte <= 0x20 || byte >= 0x7f) {
    return false;
  }
  constexpr std::string_view k_separators = "()<>@,;:\\\"/[]?={}";
  return k_separators.find(c) == std::string_view::npos;
}

bool
is_field_value_char(char c)
{
  const auto byte = static_cast<unsigned char>(c);
  return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
}

// The next line without its line end; nullopt-like empty `found` when incomplete.
bool
next_line(std::string_view data, std::size_t& position, std::string_view& line)
{
  const auto newline = data.find('\n', position);
  if (newline == std::string_view::npos) {
    return false;
  }
  std::size_t end = newline;
  if (end > position && data[end - 1] == '\r') {
    --end;
  }
  line = data.substr(position, end - position);
  position = newline + 1;
  return true;
}

bool
parse_request_line(std::string_view line, RequestHead& head)
{
  const auto first_space = line.find(' ');
  const auto last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    return false;
  }
  head.method = line.substr(0, first_space);
  head.target = line.substr(first_space + 1, last_space - first_space - 1);
  const std::string_view version = line.substr(last_space + 1);
  if (head.method.empty() || !std::ranges::all_of(head.method, is_token_char) ||
      head.target.empty() || head.target.find(' ') != std::string_view::npos ||
      !std::ranges::all_of(head.target, [](char c) { return c > 0x20 && c != 0x7f; })) {
    return false;
  }
  if (version == "HTTP/1.1") {
    head.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    head.minor_version = 0;
  } else {
    return false;
  }
  return true;
}

// A line of chunked framing, which must end in CRLF; false when incomplete or malformed
// (`malformed` says which).
bool
next_crlf_line(std::string_view data,
               std::size_t& position,
               std::string_view& line,
               bool& malformed)
{
  const auto newline = data.find('\n', position);
  if (newline == std::string_view::npos) {
    return false;
  }
  if (newline == position || data[newline - 1] != '\r') {
    malformed = true;
    return false;
  }
  line = data.substr(position, newline - 1 - position);
  position = newline + 1;
  return true;
}

bool
starts_with_ignoring_case(std::string_view text, std::string_view prefix)
{
  return text.size() >= prefix.size() &&
         util::equals_ignoring_case(text.substr(0, prefix.size()), prefix);
}

// The authority of an absolute-form target ("http://host:port/path" → "host:port");
// empty for any other form.
std::string_view
absolute_form_authority(std::string_view target)
{
  for (const std::string_view scheme : { "http://", "https://" }) {
    if (starts_with_ignoring_case(target, scheme)) {
      const std::string_view rest = target.substr(scheme.size());
      return rest.substr(0, rest.find_first_of("/?"));
    }
  }
  return {};
}

} // namespace

ParseResult
parse_request_head(std::string_view data, RequestHead& head)
{
  std::size_t position = 0;
  std::string_view line;
  // Robustness (RFC 9112 2.2): empty lines before the request line are ignored.
  do {
    if (!next_line(data, position, line)) {
      return ParseResult::incomplete;
    }
  } while (line.empty());
  if (!parse_request_line(line, head)) {
    return ParseResult::malformed;
  }
  head.header_count = 0;
  for (;;) {
    if (!next_line(data, position, line)) {
      return ParseResult::incomplete;
    }
    if (line.empty()) {
      head.length = position;
      return ParseResult::complete;
    }
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) {
      return ParseResult::malformed;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = util::trim(line.substr(colon + 1));
    if (!std::ranges::all_of(name, is_token_char) ||
        !std::ranges::all_of(value, is_field_value_char)) {
      return ParseResult::malformed;
    }
    if (head.header_count == k_max_headers) {
      return ParseResult::too_many_headers;
    }
    head.header_storage[head.header_count++] = { name, value };
  }
}

BodyResult
decode_chunked(std::string_view data,
               std::size_t max_size,
               std::string& body,
               std::size_t& consumed)
{
  body.clear();
  std::size_t position = 0;
  std::string_view line;
  bool malformed = false;
  const auto incomplete_or_malformed = [&] {
    return malformed ? BodyResult::malformed : BodyResult::incomplete;
  };
  for (;;) {
    if (!next_crlf_line(data, position, line, malformed)) {
      return incomplete_or_malformed();
    }
    // chunk-size [ BWS ";" chunk-ext ]: no whitespace before the size.
    std::string_view size_text = line.substr(0, line.find(';'));
    while (!size_text.empty() && (size_text.back() == ' ' || size_text.back() == '\t')) {
      size_text.remove_suffix(1);
    }
    std::size_t size = 0;
    const auto [end, ec] =
      std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc{} || end != size_text.data() + size_text.size()) {
      return BodyResult::malformed;
    }
    if (size == 0) {
      break;
    }
    if (size > max_size - body.size()) {
      return BodyResult::too_large;
    }
    if (data.size() - position < size + 2) {
      return BodyResult::incomplete;
    }
    body.append(data.substr(position, size));
    position += size;
    if (data.substr(position, 2) != "\r\n") {
      return BodyResult::malformed;
    }
    position += 2;
  }
  do { // trailers, up to the empty line
    if (!next_crlf_line(data, position, line, malformed)) {
      return incomplete_or_malformed();
    }
  } while (!line.empty());
  consumed = position;
  return BodyResult::complete;
}

std::expected<BodyFraming, FramingError>
check_framing(const RequestHead& head)
{
  std::size_t hosts = 0;
  std::size_t lengths = 0;
  std::size_t encodings = 0;
  std::string_view host;
  std::string_view length_text;
  std::string_view encoding;
  for (const auto& header : head.headers()) {
    if (util::equals_ignoring_case(header.name, "host")) {
      ++hosts;
      host = header.value;
    } else if (util::equals_ignoring_case(header.name, "content-length")) {
      ++lengths;
      length_text = header.value;
    } else if (util::equals_ignoring_case(header.name, "transfer-encoding")) {
      ++encodings;
      encoding = header.value;
    }
  }
  if (hosts > 1) {
    return std::unexpected(FramingError{ 400, "Several Host headers" });
  }
  if (hosts == 0 && head.minor_version == 1) {
    return std::unexpected(FramingError{ 400, "HTTP/1.1 requests need a Host header" });
  }
  if (const auto authority = absolute_form_authority(head.target);
      !authority.empty() && !util::equals_ignoring_case(authority, host)) {
    return std::unexpected(FramingError{ 400, "The request target's host is not the Host header" });
  }
  if (encodings > 0) {
    if (encodings > 1 || encoding.find(',') != std::string_view::npos) {
      return std::unexpected(FramingError{ 400, "Several transfer codings" });
    }
    if (lengths > 0) {
      return std::unexpected(FramingError{ 400, "Both Transfer-Encoding and Content-Length" });
    }
    if (head.minor_version == 0) {
      return std::unexpected(FramingError{ 400, "Transfer-Encoding on an HTTP/1.0 request" });
    }
    if (!util::equals_ignoring_case(encoding, "chunked")) {
      return std::unexpected(FramingError{ 501, "Only the chunked transfer coding is supported" });
    }
    return BodyFraming{ BodyFraming::Kind::chunked, 0 };
  }
  if (lengths == 0) {
    return BodyFraming{};
  }
  std::size_t length = 0;
  const auto [end, ec] =
    std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  if (lengths > 1 || length_text.empty() || ec != std::errc{} ||
      end != length_text.data() + length_text.size()) {
    return std::unexpected(FramingError{ 400, "Bad Content-Length" });
  }
  return BodyFraming{ BodyFraming::Kind::content_length, length };
}

std::string_view
origin_form(std::string_view target)
{
  const std::string_view authority = absolute_form_authority(target);
  if (authority.empty()) {
    return target;
  }
  // The authority is a view into the target: the path starts where it ends.
  const auto end = static_cast<std::size_t>(authority.data() - target.data()) + authority.size();
  const std::string_view rest = target.substr(end);
  return rest.starts_with('/') ? rest : std::string_view("/");
}

std::string_view
find_header(std::span<const Header> headers, std::string_view name)
{
  for (const auto& header : headers) {
    if (util::equals_ignoring_case(header.name, name)) {
      return header.value;
    }
  }
  return {};
}

bool
header_has_token(std::string_view value, std::string_view token)
{
  while (!value.empty()) {
    const auto comma = value.find(',');
    if (util::equals_ignoring_case(util::trim(value.substr(0, comma)), token)) {
      return true;
    }
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
  }
  return false;
}

} // namespace reactor::net
