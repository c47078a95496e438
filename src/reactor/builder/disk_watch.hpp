#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace reactor::builder {

// Watches how much a directory tree holds on disk, rescanning it no more often than ten
// times the length of the last scan (and at most twice a second), so that watching costs
// at most about a tenth of one core.
class DiskWatch
{
public:
  DiskWatch(std::filesystem::path root, std::uint64_t limit_bytes);

  // True once the tree holds more than the limit (never with a limit of 0). Scans only
  // when the last scan is old enough, unless `now` is true.
  bool over_limit(bool now = false);

private:
  using Clock = std::chrono::steady_clock;

  const std::filesystem::path m_root;
  const std::uint64_t m_limit;
  Clock::time_point m_next_scan;
  bool m_over = false;
};

// When the disk holding `path` is full (`error` says "No space left on device", or less
// than 1 MiB is free): a message that names it, with its free and total size, for the
// operator. nullopt otherwise.
std::optional<std::string> full_disk(const std::filesystem::path& path, std::string_view error);

} // namespace reactor::builder
