#include "reactor/builder/disk_watch.hpp"

#include "reactor/builder/file_tree.hpp"

namespace reactor::builder {

namespace {

constexpr auto k_min_interval = std::chrono::milliseconds(500);

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

} // namespace reactor::builder
