#include "reactor/util/text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace reactor::util {

namespace {

char
lower(char c)
{
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

std::string
ascii_lowercase(std::string_view text)
{
  std::string out(text);
  std::ranges::transform(out, out.begin(), lower);
  return out;
}

bool
equals_ignoring_case(std::string_view a, std::string_view b)
{
  return a.size() == b.size() &&
         std::ranges::equal(a, b, [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view
trim(std::string_view text, std::string_view blanks)
{
  const auto begin = text.find_first_not_of(blanks);
  if (begin == std::string_view::npos) {
    return {};
  }
  return text.substr(begin, text.find_last_not_of(blanks) - begin + 1);
}

std::size_t
utf8_sequence_length(std::string_view bytes)
{
  if (bytes.empty()) {
    return 0;
  }
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
    // E0 would be an overlong below U+0800; ED would be a surrogate.
    if ((lead == 0xE0 && byte(1) < 0xA0) || (lead == 0xED && byte(1) > 0x9F)) {
      return 0;
    }
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) {
      return 0;
    }
    // F0 would be an overlong below U+10000; F4 past 8F goes beyond U+10FFFF.
    if ((lead == 0xF0 && byte(1) < 0x90) || (lead == 0xF4 && byte(1) > 0x8F)) {
      return 0;
    }
    return 4;
  }
  return 0;
}

bool
is_valid_utf8(std::string_view bytes)
{
  while (!bytes.empty()) {
    const auto length = utf8_sequence_length(bytes);
    if (length == 0) {
      return false;
    }
    bytes.remove_prefix(length);
  }
  return true;
}

std::string
without_password(std::string_view url)
{
  std::string out(url);
  const auto scheme_end = out.find("://");
  if (scheme_end == std::string::npos) {
    return out;
  }
  const auto authority = scheme_end + 3;
  const auto at = out.find('@', authority);
  const auto colon = out.find(':', authority);
  if (at != std::string::npos && colon < at && out.find('/', authority) > at) {
    out.replace(colon + 1, at - colon - 1, "***");
  }
  return out;
}

std::string
iso8601(std::int64_t epoch_ms)
{
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm parts{};
  static_cast<void>(gmtime_r(&seconds, &parts));
  std::array<char, 32> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &parts);
  std::array<char, 8> millis{};
  static_cast<void>(
    std::snprintf(millis.data(), millis.size(), ".%03dZ", static_cast<int>(epoch_ms % 1000)));
  return std::string(text.data(), length) + millis.data();
}

namespace {

int
hex_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace

std::optional<std::string>
percent_decode(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

} // namespace reactor::util
