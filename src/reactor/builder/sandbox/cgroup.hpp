#pragma once

#include "reactor/util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace reactor::builder::sandbox {

struct CgroupLimits
{
  std::uint64_t memory_bytes = 0;  // 0: none
  std::uint64_t max_processes = 0; // 0: none
};

// What the kernel counted in a group since it was made.
struct CgroupEvents
{
  std::uint64_t oom_kills = 0;          // processes killed for going over the memory limit
  std::uint64_t process_limit_hits = 0; // forks refused by the process limit
};

// One sandboxed command's control group (one per hierarchy on cgroup v1). Destroying it
// kills whatever is still in it and removes it.
class Cgroup
{
public:
  virtual ~Cgroup() = default;

  // Open cgroup.procs files (write-only): a process that writes "0" to each joins the
  // group, and everything it starts afterwards is in the group too.
  virtual std::vector<int> procs_files() const = 0;

  // The counters so far; zeros when they cannot be read.
  virtual CgroupEvents events() const = 0;

  // SIGKILLs every process in the group until it is empty (gives up after about 2 s).
  virtual void kill_all() = 0;
};

// Makes groups as children of the group this process runs in.
class Cgroups
{
public:
  virtual ~Cgroups() = default;

  // "cgroup v1 (memory: /sys/fs/cgroup/memory/a, pids: /sys/fs/cgroup/pids)".
  virtual std::string description() const = 0;

  // A fresh group with these limits. Fails when it cannot be made.
  virtual util::Result<std::unique_ptr<Cgroup>> create(const CgroupLimits& limits) = 0;
};

// Where to read the process's cgroup membership and mounts (tests point elsewhere).
struct CgroupSystem
{
  std::filesystem::path proc_cgroup = "/proc/self/cgroup";
  std::filesystem::path mountinfo = "/proc/self/mountinfo";
};

// Cgroup v2 when the unified hierarchy gives this process's group the memory and pids
// controllers (moving this process into a leaf "reactor" group if that is needed to enable
// them for children), else cgroup v1 with writable memory and pids hierarchies. Removes
// groups left by Reactor processes that no longer run. Fails saying why neither works.
util::Result<std::unique_ptr<Cgroups>> open_cgroups(const CgroupSystem& system = {});

} // namespace reactor::builder::sandbox
