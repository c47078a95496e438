#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace reactor::builder {

// Watches how much a directory tree holds on disk. Walking the tree costs tens of
// milliseconds for a large node_modules, so it is walked only when it could be over the
// limit: when the filesystem holding it has grown by more than the room the last walk
// left (one statvfs), or when that walk is older than a few seconds (space freed elsewhere
// on the filesystem can hide the tree's growth). Checked at most twice a second, and never
// walked more often than ten times the length of the last walk.
class DiskWatch
{
public:
  DiskWatch(std::filesystem::path root, std::uint64_t limit_bytes);

  // True once the tree holds more than the limit (never with a limit of 0). Walks the tree
  // only when it may have grown over the limit since the last walk, unless `now` is true.
  bool over_limit(bool now = false);

private:
  using Clock = std::chrono::steady_clock;

  bool walk();

  const std::filesystem::path m_root;
  const std::uint64_t m_limit;
  Clock::time_point m_next_check;
  Clock::time_point m_walk_due;          // when the tree is walked whatever the disk says
  std::optional<std::uint64_t> m_walked; // what the last walk found
  std::uint64_t m_disk_used_then = 0;    // the filesystem's used bytes before that walk
  bool m_over = false;
};

// When the disk holding `path` is full (`error` says "No space left on device", or less
// than 1 MiB is free): a message that names it, with its free and total size, for the
// operator. nullopt otherwise.
std::optional<std::string> full_disk(const std::filesystem::path& path, std::string_view error);

} // namespace reactor::builder
