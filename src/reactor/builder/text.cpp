#include "reactor/builder/text.hpp"

namespace reactor::builder {

namespace {

constexpr std::string_view k_replacement = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence at the start of bytes, 0 when ill-formed.
std::size_t
sequence_length(std::string_view bytes)
{
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const auto continuation = [&](std::size_t i) {
    return i < bytes.size() && (byte(i) & 0xC0) == 0x80;
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return continuation(1) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) {
      return 0;
    }
    if ((lead == 0xE0 && byte(1) < 0xA0) || (lead == 0xED && byte(1) > 0x9F)) {
      return 0;
    }
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) {
      return 0;
    }
    if ((lead == 0xF0 && byte(1) < 0x90) || (lead == 0xF4 && byte(1) > 0x8F)) {
      return 0;
    }
    return 4;
  }
  return 0;
}

// Length of the ANSI escape sequence (colors, cursor moves) at the start of bytes.
std::size_t
skip_escape(std::string_view bytes)
{
  if (bytes.size() < 2 || bytes[1] != '[') {
    return 1;
  }
  for (std::size_t i = 2; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x40 && c <= 0x7E) {
      return i + 1;
    }
    if (c < 0x20 || c > 0x7E) {
      return i;
    }
  }
  return bytes.size();
}

} // namespace

bool
is_valid_utf8(std::string_view bytes)
{
  while (!bytes.empty()) {
    const auto length = sequence_length(bytes);
    if (length == 0) {
      return false;
    }
    bytes.remove_prefix(length);
  }
  return true;
}

std::string
sanitize_line(std::string_view bytes)
{
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    const auto length = sequence_length(bytes);
    const auto lead = static_cast<unsigned char>(bytes.front());
    if (length == 0 || (length == 1 && ((lead < 0x20 && lead != '\t') || lead == 0x7F))) {
      if (lead == 0x1B) {
        bytes.remove_prefix(skip_escape(bytes));
        continue;
      }
      out += k_replacement;
      bytes.remove_prefix(1);
      continue;
    }
    out.append(bytes.substr(0, length));
    bytes.remove_prefix(length);
  }
  return out;
}

} // namespace reactor::builder
