#include "reactor/net/negotiation.hpp"

#include "reactor/net/http_parser.hpp"
#include "reactor/util/text.hpp"

#include <array>
#include <charconv>
#include <ctime>

namespace reactor::net {

namespace {

using util::trim;

// The q-value of one Accept-Encoding element ("gzip;q=0.5"), 1 when absent.
double
quality(std::string_view parameters)
{
  const auto q = parameters.find("q=");
  if (q == std::string_view::npos) {
    return 1.0;
  }
  const std::string_view number = trim(parameters.substr(q + 2));
  double value = 0;
  std::from_chars(number.data(), number.data() + number.size(), value);
  return value;
}

std::optional<std::uint64_t>
parse_number(std::string_view text)
{
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

} // namespace

Encoding
choose_encoding(std::string_view accept_encoding, bool has_gzip, bool has_br)
{
  double gzip_q = 0;
  double br_q = 0;
  double star_q = -1;
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    const std::string_view element = accept_encoding.substr(0, comma);
    accept_encoding =
      comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
    const auto semicolon = element.find(';');
    const std::string_view coding = trim(element.substr(0, semicolon));
    const double q =
      semicolon == std::string_view::npos ? 1.0 : quality(element.substr(semicolon + 1));
    if (util::equals_ignoring_case(coding, "gzip")) {
      gzip_q = q;
    } else if (util::equals_ignoring_case(coding, "br")) {
      br_q = q;
    } else if (coding == "*") {
      star_q = q;
    }
  }
  if (star_q > 0) {
    gzip_q = gzip_q > 0 ? gzip_q : star_q;
    br_q = br_q > 0 ? br_q : star_q;
  }
  if (has_br && br_q > 0 && br_q >= gzip_q) {
    return Encoding::br;
  }
  if (has_gzip && gzip_q > 0) {
    return Encoding::gzip;
  }
  if (has_br && br_q > 0) {
    return Encoding::br;
  }
  return Encoding::identity;
}

std::optional<ByteRange>
parse_range(std::string_view header, std::uint64_t size, bool& unsatisfiable)
{
  unsatisfiable = false;
  constexpr std::string_view k_prefix = "bytes=";
  if (!header.starts_with(k_prefix) || header.find(',') != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view spec = trim(header.substr(k_prefix.size()));
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) {
    return std::nullopt;
  }
  const auto first = spec.substr(0, dash);
  const auto last = spec.substr(dash + 1);
  if (first.empty()) { // "bytes=-N": the last N bytes
    const auto suffix = parse_number(last);
    if (!suffix) {
      return std::nullopt;
    }
    if (*suffix == 0 || size == 0) {
      unsatisfiable = true;
      return std::nullopt;
    }
    return ByteRange{ size - std::min(*suffix, size), size - 1 };
  }
  const auto start = parse_number(first);
  const auto end = last.empty() ? std::optional<std::uint64_t>(size - 1) : parse_number(last);
  if (!start || !end) {
    return std::nullopt;
  }
  // Before the order check: "bytes=200-" of 100 bytes is unsatisfiable, not ignored.
  if (*start >= size) {
    unsatisfiable = true;
    return std::nullopt;
  }
  if (*end < *start) {
    return std::nullopt;
  }
  return ByteRange{ *start, std::min(*end, size - 1) };
}

std::string
http_date(std::int64_t epoch_seconds)
{
  const auto seconds = static_cast<std::time_t>(epoch_seconds);
  std::tm parts{};
  static_cast<void>(gmtime_r(&seconds, &parts));
  std::array<char, 40> text{};
  const auto length = std::strftime(text.data(), text.size(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return { text.data(), length };
}

std::optional<std::int64_t>
parse_http_date(std::string_view text)
{
  std::tm parts{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(timegm(&parts));
}

} // namespace reactor::net
