#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace reactor::builder {

// What one deployment's build may use; 0 turns a size or count limit off.
struct BuildLimits
{
  std::chrono::milliseconds timeout{ 15 * 60'000 }; // install and build together
  std::uint64_t memory_bytes = 4ULL << 30;          // per sandboxed command, via cgroups
  std::uint64_t max_processes = 512;                // per sandboxed command, via cgroups
  std::uint64_t disk_bytes = 10ULL << 30;           // the workspace: clone, dependencies, build
  std::uint64_t output_bytes = 2ULL << 30;
  std::uint64_t output_files = 50'000;
  std::uint64_t log_bytes = 10ULL << 20;
};

enum class Limit
{
  none,
  time,
  memory,
  processes,
  disk,
};

// The limit by name with its value, as the ERROR shows it: "memory limit (4 GiB)".
std::string describe_limit(Limit limit, const BuildLimits& limits);

// How many builds run at once unless the operator says: one per core, but no more than
// fit in `memory_bytes` at `build_memory_bytes` each (0: no memory limit, cores alone);
// at least 1, at most 64.
int default_worker_count(unsigned cores,
                         std::uint64_t memory_bytes,
                         std::uint64_t build_memory_bytes);

// default_worker_count for this machine's online cores and physical memory.
int machine_worker_count(std::uint64_t build_memory_bytes);

} // namespace reactor::builder
