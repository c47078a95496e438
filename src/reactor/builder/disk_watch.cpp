#include "reactor/builder/disk_watch.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/builder/limits.hpp"
#include "reactor/util/units.hpp"

#include <sys/statvfs.h>

namespace reactor::builder {

namespace {

constexpr auto k_min_interval = std::chrono::milliseconds(500);
// Less free space than this counts as a full disk: no build gets far on it.
constexpr std::uint64_t k_nearly_full = 1ULL << 20;

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
  const auto started = Clock::now();
  if (!now && started < m_next_scan) {
    return false;
  }
  m_over = allocated_bytes(m_root, m_limit) > m_limit;
  const auto took = Clock::now() - started;
  m_next_scan = Clock::now() + std::max<Clock::duration>(k_min_interval, took * 10);
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
