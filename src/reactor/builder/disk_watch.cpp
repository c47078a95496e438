#include "reactor/builder/disk_watch.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/builder/limits.hpp"
#include "reactor/util/units.hpp"

#include <sys/statvfs.h>

namespace reactor::builder {

namespace {

constexpr auto k_check_interval = std::chrono::milliseconds(500);
constexpr auto k_walk_anyway_after = std::chrono::seconds(5);
// Less free space than this counts as a full disk: no build gets far on it.
constexpr std::uint64_t k_nearly_full = 1ULL << 20;

// The bytes in use on the filesystem holding `path`; nullopt when statvfs fails.
std::optional<std::uint64_t>
disk_used(const std::filesystem::path& path)
{
  struct statvfs disk{};
  if (::statvfs(path.c_str(), &disk) != 0) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(disk.f_blocks - disk.f_bfree) * disk.f_frsize;
}

} // namespace

DiskWatch::DiskWatch(std::filesystem::path root, std::uint64_t limit_bytes)
  : m_root(std::move(root))
  , m_limit(limit_bytes)
{
}

bool
DiskWatch::over_limit(bool now)
{
  if (m_limit == 0 || m_over) {
    return m_over;
  }
  const auto checked = Clock::now();
  if (now) {
    return walk();
  }
  if (checked < m_next_check) {
    return false;
  }
  m_next_check = checked + k_check_interval;
  const auto used = disk_used(m_root);
  const bool may_have_grown_over =
    !m_walked || !used || *used > m_disk_used_then + (m_limit - *m_walked) || checked >= m_walk_due;
  return may_have_grown_over && walk();
}

bool
DiskWatch::walk()
{
  const auto started = Clock::now();
  m_disk_used_then = disk_used(m_root).value_or(0);
  m_walked = allocated_bytes(m_root, m_limit);
  m_over = *m_walked > m_limit;
  const auto took = Clock::now() - started;
  m_next_check = Clock::now() + std::max<Clock::duration>(k_check_interval, took * 10);
  m_walk_due = started + std::max<Clock::duration>(k_walk_anyway_after, took * 10);
  return m_over;
}

std::optional<std::string>
full_disk(const std::filesystem::path& path, std::string_view error)
{
  struct statvfs disk{};
  // The nearest existing ancestor: a workspace may already be gone.
  std::filesystem::path existing = path;
  while (::statvfs(existing.c_str(), &disk) != 0) {
    if (!existing.has_relative_path()) {
      return std::nullopt;
    }
    existing = existing.parent_path();
  }
  const std::uint64_t free = static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize;
  const std::uint64_t total = static_cast<std::uint64_t>(disk.f_blocks) * disk.f_frsize;
  if (error.find("No space left on device") == std::string_view::npos && free >= k_nearly_full) {
    return std::nullopt;
  }
  return "the disk holding " + existing.string() + " is full (" + util::format_size(free) +
         " free of " + util::format_size(total) + "): free space on it";
}

} // namespace reactor::builder
