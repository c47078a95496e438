#include "reactor/builder/limits.hpp"

#include "reactor/util/units.hpp"

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

} // namespace reactor::builder
