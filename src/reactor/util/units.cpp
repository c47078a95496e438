#include "reactor/util/units.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <string>

namespace reactor::util {

namespace {

// Splits "15m" into 15 and "m"; fails on anything but digits then a suffix.
Result<std::pair<std::uint64_t, std::string_view>>
split_number(std::string_view text, std::string_view what)
{
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || end == text.data()) {
    return fail("'" + std::string(text) + "' is not a " + std::string(what));
  }
  return std::pair{ number, text.substr(static_cast<std::size_t>(end - text.data())) };
}

} // namespace

Result<std::chrono::milliseconds>
parse_duration(std::string_view text)
{
  auto parts = split_number(text, "duration (use e.g. 500ms, 20s, 15m, 2h, 14d)");
  if (!parts) {
    return std::unexpected(parts.error());
  }
  const auto [number, suffix] = *parts;
  const auto value = static_cast<std::chrono::milliseconds::rep>(number);
  if (suffix == "ms") {
    return std::chrono::milliseconds(value);
  }
  if (suffix.empty() || suffix == "s") {
    return std::chrono::seconds(value);
  }
  if (suffix == "m") {
    return std::chrono::minutes(value);
  }
  if (suffix == "h") {
    return std::chrono::hours(value);
  }
  if (suffix == "d") {
    return std::chrono::days(value);
  }
  return fail("'" + std::string(text) + "' has an unknown unit: use ms, s, m, h or d");
}

Result<std::uint64_t>
parse_size(std::string_view text)
{
  auto parts = split_number(text, "size (use e.g. 512M, 4G)");
  if (!parts) {
    return std::unexpected(parts.error());
  }
  const auto [number, suffix] = *parts;
  int shift = -1;
  if (suffix.empty() || suffix == "B") {
    shift = 0;
  } else if (suffix == "K" || suffix == "k") {
    shift = 10;
  } else if (suffix == "M") {
    shift = 20;
  } else if (suffix == "G") {
    shift = 30;
  }
  if (shift < 0) {
    return fail("'" + std::string(text) + "' has an unknown unit: use K, M or G");
  }
  if (number > (std::numeric_limits<std::uint64_t>::max() >> shift)) {
    return fail("'" + std::string(text) + "' is too large");
  }
  return number << shift;
}

std::string
format_size(std::uint64_t bytes)
{
  constexpr std::array<const char*, 4> units{ "KiB", "MiB", "GiB", "TiB" };
  if (bytes < 1024) {
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  }
  std::size_t unit = 0;
  std::uint64_t scale = 1024;
  while (unit + 1 < units.size() && bytes >= scale * 1024) {
    scale *= 1024;
    ++unit;
  }
  const auto tenths = (bytes * 10 + scale / 2) / scale;
  std::string text = std::to_string(tenths / 10);
  if (tenths % 10 != 0) {
    text += "." + std::to_string(tenths % 10);
  }
  return text + " " + units[unit];
}

std::string
format_duration(std::chrono::milliseconds duration)
{
  const auto ms = duration.count();
  const auto plural = [](long long n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
  };
  if (ms % 3'600'000 == 0 && ms > 0) {
    return plural(ms / 3'600'000, "hour");
  }
  if (ms % 60'000 == 0 && ms > 0) {
    return plural(ms / 60'000, "minute");
  }
  if (ms % 1000 == 0) {
    return plural(ms / 1000, "second");
  }
  return std::to_string(ms) + " ms";
}

std::string
format_seconds(std::chrono::milliseconds elapsed)
{
  const auto tenths = std::max<std::int64_t>(elapsed.count(), 0) / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

} // namespace reactor::util
