#include "reactor/builder/limits.hpp"

#include <array>

namespace reactor::builder {

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
describe_limit(Limit limit, const BuildLimits& limits)
{
  switch (limit) {
    case Limit::time:
      return "time limit (" + format_duration(limits.timeout) + ")";
    case Limit::memory:
      return "memory limit (" + format_size(limits.memory_bytes) + ")";
    case Limit::processes:
      return "process limit (" + std::to_string(limits.max_processes) + " processes)";
    case Limit::disk:
      return "disk limit (" + format_size(limits.disk_bytes) + ")";
    case Limit::none:
      break;
  }
  return "no limit";
}

} // namespace reactor::builder
