#include "reactor/builder/limits.hpp"

#include "reactor/util/units.hpp"

#include <algorithm>
#include <unistd.h>

namespace reactor::builder {

std::string
describe_limit(Limit limit, const BuildLimits& limits)
{
  switch (limit) {
    case Limit::time:
      return "time limit (" + util::format_duration(limits.timeout) + ")";
    case Limit::memory:
      return "memory limit (" + util::format_size(limits.memory_bytes) + ")";
    case Limit::processes:
      return "process limit (" + std::to_string(limits.max_processes) + " processes)";
    case Limit::disk:
      return "disk limit (" + util::format_size(limits.disk_bytes) + ")";
    case Limit::none:
      break;
  }
  return "no limit";
}

int
default_worker_count(unsigned cores, std::uint64_t memory_bytes, std::uint64_t build_memory_bytes)
{
  constexpr std::uint64_t k_max_workers = 64;
  std::uint64_t count = std::max(1U, cores);
  if (build_memory_bytes != 0) {
    count = std::min(count, memory_bytes / build_memory_bytes);
  }
  return static_cast<int>(std::clamp<std::uint64_t>(count, 1, k_max_workers));
}

int
machine_worker_count(std::uint64_t build_memory_bytes)
{
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  const std::uint64_t memory = pages > 0 && page_size > 0 ? static_cast<std::uint64_t>(pages) *
                                                              static_cast<std::uint64_t>(page_size)
                                                          : 0;
  return default_worker_count(
    cores > 0 ? static_cast<unsigned>(cores) : 1U, memory, build_memory_bytes);
}

} // namespace reactor::builder
