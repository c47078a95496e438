#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder::sandbox {

// One line of /proc/<pid>/cgroup: "4:memory:/a/b" (v1) or "0::/a/b" (v2).
struct ProcCgroup
{
  std::string hierarchy_id;
  std::vector<std::string> controllers; // empty for the unified hierarchy
  std::string path;
};

std::vector<ProcCgroup> parse_proc_cgroup(std::string_view text);

// A mounted cgroup file system, from /proc/<pid>/mountinfo.
struct CgroupMount
{
  std::filesystem::path mount_point;
  std::string root;                     // the group of the hierarchy shown at mount_point
  bool unified = false;                 // cgroup2
  std::vector<std::string> controllers; // v1 only
};

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);

// The directory of the group the process is in for `controller` (v1), or in the unified
// hierarchy when `controller` is empty; nullopt when no mount shows that group.
std::optional<std::filesystem::path> group_directory(const std::vector<CgroupMount>& mounts,
                                                     const std::vector<ProcCgroup>& groups,
                                                     std::string_view controller);

// The number after `key` in a flat-keyed file such as memory.events ("oom_kill 3"); 0 when
// the key is missing.
std::uint64_t read_key(std::string_view text, std::string_view key);

// True when the space-separated `list` (cgroup.controllers, cgroup.subtree_control) holds
// every one of `names`.
bool has_words(std::string_view list, std::initializer_list<std::string_view> names);

// The process ids in a cgroup.procs file, one a line.
std::vector<int> parse_pids(std::string_view text);

} // namespace reactor::builder::sandbox
