#include "reactor/builder/sandbox/cgroup.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/builder/sandbox/cgroup_files.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace reactor::builder::sandbox {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_group_prefix = "reactor-";
constexpr std::string_view k_v2_leaf = "reactor";
constexpr auto k_wait_limit = std::chrono::seconds(2);

// Sleeps a little longer each round (0.2 ms doubling up to 10 ms): processes usually finish
// leaving a group within a millisecond; returns false once `k_wait_limit` has passed.
class Backoff
{
public:
  bool wait()
  {
    if (std::chrono::steady_clock::now() - m_started > k_wait_limit) {
      return false;
    }
    std::this_thread::sleep_for(m_pause);
    m_pause = std::min<std::chrono::microseconds>(m_pause * 2, std::chrono::milliseconds(10));
    return true;
  }

private:
  const std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
  std::chrono::microseconds m_pause{ 200 };
};

// strerror, but safe from any thread.
std::string
error_text(int error)
{
  return std::error_code(error, std::generic_category()).message();
}

util::Result<void>
write_text(const fs::path& path, std::string_view text)
{
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return util::fail("cannot open " + path.string() + ": " + error_text(errno));
  }
  const auto written = ::write(fd, text.data(), text.size());
  const int error = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    return util::fail("cannot write '" + std::string(text) + "' to " + path.string() + ": " +
                      error_text(error));
  }
  return {};
}

// Removes an empty group, waiting for killed processes to leave it.
void
remove_group(const fs::path& dir)
{
  Backoff backoff;
  do {
    if (::rmdir(dir.c_str()) == 0 || errno != EBUSY) {
      return;
    }
  } while (backoff.wait());
}

class Group final : public Cgroup
{
public:
  // dirs: {unified} on v2, {memory, pids} on v1.
  Group(std::vector<fs::path> dirs, bool v2)
    : m_dirs(std::move(dirs))
    , m_v2(v2)
  {
  }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  ~Group() override
  {
    for (const int fd : m_procs) {
      ::close(fd);
    }
    kill_all();
    for (const auto& dir : m_dirs) {
      remove_group(dir);
    }
  }

  util::Result<void> open_procs()
  {
    for (const auto& dir : m_dirs) {
      const auto path = dir / "cgroup.procs";
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) {
        return util::fail("cannot open " + path.string() + ": " + error_text(errno));
      }
      m_procs.push_back(fd);
    }
    return {};
  }

  std::vector<int> procs_files() const override { return m_procs; }

  CgroupEvents events() const override
  {
    CgroupEvents events;
    if (m_v2) {
      events.oom_kills = read_key(read_text(m_dirs[0] / "memory.events"), "oom_kill");
      events.process_limit_hits = read_key(read_text(m_dirs[0] / "pids.events"), "max");
    } else {
      events.oom_kills = read_key(read_text(m_dirs[0] / "memory.oom_control"), "oom_kill");
      events.process_limit_hits = read_key(read_text(m_dirs[1] / "pids.events"), "max");
    }
    return events;
  }

  void kill_all() override
  {
    Backoff backoff;
    if (m_v2 && write_text(m_dirs[0] / "cgroup.kill", "1")) {
      while (!empty() && backoff.wait()) {
      }
      return;
    }
    do {
      bool any = false;
      for (const auto& dir : m_dirs) {
        for (const int pid : parse_pids(read_text(dir / "cgroup.procs"))) {
          ::kill(pid, SIGKILL);
          any = true;
        }
      }
      if (!any) {
        return;
      }
    } while (backoff.wait());
  }

private:
  bool empty() const
  {
    return std::ranges::all_of(m_dirs, [](const fs::path& dir) {
      return parse_pids(read_text(dir / "cgroup.procs")).empty();
    });
  }

  const std::vector<fs::path> m_dirs;
  const bool m_v2;
  std::vector<int> m_procs;
};

util::Result<void>
apply_limits(const std::vector<fs::path>& dirs, bool v2, const CgroupLimits& limits)
{
  const auto memory = std::to_string(limits.memory_bytes);
  const auto processes = std::to_string(limits.max_processes);
  if (v2) {
    if (limits.memory_bytes != 0) {
      if (auto set = write_text(dirs[0] / "memory.max", memory); !set) {
        return set;
      }
      static_cast<void>(write_text(dirs[0] / "memory.swap.max", "0"));
    }
    static_cast<void>(write_text(dirs[0] / "memory.oom.group", "1"));
    if (limits.max_processes != 0) {
      return write_text(dirs[0] / "pids.max", processes);
    }
    return {};
  }
  if (limits.memory_bytes != 0) {
    if (auto set = write_text(dirs[0] / "memory.limit_in_bytes", memory); !set) {
      return set;
    }
    if (fs::exists(dirs[0] / "memory.memsw.limit_in_bytes")) {
      static_cast<void>(write_text(dirs[0] / "memory.memsw.limit_in_bytes", memory));
    }
  }
  if (limits.max_processes != 0) {
    return write_text(dirs[1] / "pids.max", processes);
  }
  return {};
}

util::Result<std::unique_ptr<Cgroup>>
make_group(const std::vector<fs::path>& parents,
           std::string_view name,
           bool v2,
           const CgroupLimits& limits)
{
  std::vector<fs::path> dirs;
  for (const auto& parent : parents) {
    auto dir = parent / name;
    if (::mkdir(dir.c_str(), 0755) != 0) {
      const auto message = "cannot create the cgroup " + dir.string() + ": " + error_text(errno);
      const Group partial(dirs, v2);
      return util::fail(message);
    }
    dirs.push_back(std::move(dir));
  }
  auto group = std::make_unique<Group>(dirs, v2);
  if (auto applied = apply_limits(dirs, v2, limits); !applied) {
    return std::unexpected(std::move(applied.error()));
  }
  if (auto opened = group->open_procs(); !opened) {
    return std::unexpected(std::move(opened.error()));
  }
  return group;
}

// The pid in a group name "reactor-<pid>-<n>", or nullopt for any other name.
std::optional<int>
owner_pid(std::string_view name)
{
  if (!name.starts_with(k_group_prefix)) {
    return std::nullopt;
  }
  name.remove_prefix(k_group_prefix.size());
  int pid = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc{} || end == name.data() || end == name.data() + name.size() || *end != '-') {
    return std::nullopt;
  }
  return pid;
}

void
remove_stale_groups(const std::vector<fs::path>& parents, bool v2)
{
  for (const auto& parent : parents) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
      const auto pid = owner_pid(entry.path().filename().string());
      if (!pid || *pid == ::getpid() || ::kill(*pid, 0) == 0 || errno != ESRCH) {
        continue;
      }
      Group stale({ entry.path() }, v2);
    }
  }
}

class Hierarchies final : public Cgroups
{
public:
  Hierarchies(std::vector<fs::path> parents, bool v2, std::string description)
    : m_parents(std::move(parents))
    , m_v2(v2)
    , m_description(std::move(description))
  {
  }

  std::string description() const override { return m_description; }

  util::Result<std::unique_ptr<Cgroup>> create(const CgroupLimits& limits) override
  {
    static std::atomic<std::uint64_t> next{ 1 };
    const auto name = std::string(k_group_prefix) + std::to_string(::getpid()) + "-" +
                      std::to_string(next.fetch_add(1));
    return make_group(m_parents, name, m_v2, limits);
  }

private:
  const std::vector<fs::path> m_parents;
  const bool m_v2;
  const std::string m_description;
};

// Makes a trial group, so that a hierarchy that cannot be used fails at startup.
util::Result<std::unique_ptr<Cgroups>>
checked(std::unique_ptr<Cgroups> cgroups)
{
  auto trial = cgroups->create({ .memory_bytes = 64ULL << 20, .max_processes = 64 });
  if (!trial) {
    return std::unexpected(std::move(trial.error()));
  }
  return cgroups;
}

// Lets groups below `dir` use memory and pids: cgroup v2 only enables controllers for the
// children of a group that holds no process, so the processes in `dir` move to a leaf.
util::Result<void>
delegate_v2(const fs::path& dir, bool is_root)
{
  const auto subtree = read_text(dir / "cgroup.subtree_control");
  if (has_words(subtree, { "memory", "pids" })) {
    return {};
  }
  if (!is_root) {
    const auto leaf = dir / k_v2_leaf;
    if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) {
      return util::fail("cannot create " + leaf.string() + ": " + error_text(errno));
    }
    for (const int pid : parse_pids(read_text(dir / "cgroup.procs"))) {
      static_cast<void>(write_text(leaf / "cgroup.procs", std::to_string(pid)));
    }
  }
  return write_text(dir / "cgroup.subtree_control", "+memory +pids");
}

util::Result<std::unique_ptr<Cgroups>>
open_v2(const std::vector<CgroupMount>& mounts, const std::vector<ProcCgroup>& groups)
{
  const auto dir = group_directory(mounts, groups, "");
  if (!dir) {
    return util::fail("no cgroup2 mount shows this process's group");
  }
  if (!has_words(read_text(*dir / "cgroup.controllers"), { "memory", "pids" })) {
    return util::fail("the memory and pids controllers are not available in " + dir->string());
  }
  const bool is_root = std::ranges::any_of(
    mounts, [&](const CgroupMount& mount) { return mount.unified && mount.mount_point == *dir; });
  if (auto delegated = delegate_v2(*dir, is_root); !delegated) {
    return std::unexpected(std::move(delegated.error()));
  }
  remove_stale_groups({ *dir }, true);
  return checked(std::make_unique<Hierarchies>(
    std::vector<fs::path>{ *dir }, true, "cgroup v2 (" + dir->string() + ")"));
}

util::Result<std::unique_ptr<Cgroups>>
open_v1(const std::vector<CgroupMount>& mounts, const std::vector<ProcCgroup>& groups)
{
  const auto memory = group_directory(mounts, groups, "memory");
  const auto pids = group_directory(mounts, groups, "pids");
  if (!memory || !pids) {
    return util::fail(std::string("no cgroup v1 mount of the ") + (memory ? "pids" : "memory") +
                      " controller shows this process's group");
  }
  remove_stale_groups({ *memory, *pids }, false);
  return checked(std::make_unique<Hierarchies>(std::vector<fs::path>{ *memory, *pids },
                                               false,
                                               "cgroup v1 (memory: " + memory->string() +
                                                 ", pids: " + pids->string() + ")"));
}

} // namespace

util::Result<std::unique_ptr<Cgroups>>
open_cgroups(const CgroupSystem& system)
{
  const auto groups = parse_proc_cgroup(read_text(system.proc_cgroup));
  const auto mounts = parse_cgroup_mounts(read_text(system.mountinfo));
  if (groups.empty() || mounts.empty()) {
    return util::fail("no cgroup file system is mounted");
  }
  auto v2 = open_v2(mounts, groups);
  if (v2) {
    return v2;
  }
  auto v1 = open_v1(mounts, groups);
  if (v1) {
    return v1;
  }
  return util::fail("cgroup v2: " + v2.error().message + "; cgroup v1: " + v1.error().message);
}

} // namespace reactor::builder::sandbox
