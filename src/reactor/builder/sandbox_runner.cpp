#include "reactor/builder/sandbox_runner.hpp"

#include "reactor/builder/disk_watch.hpp"
#include "reactor/util/process.hpp"

#include <sys/resource.h>

namespace reactor::builder {

namespace {

using Clock = std::chrono::steady_clock;

// The limit the kernel counters show as hit, if any.
Limit
limit_from(const CgroupEvents& events)
{
  if (events.oom_kills > 0) {
    return Limit::memory;
  }
  if (events.process_limit_hits > 0) {
    return Limit::processes;
  }
  return Limit::none;
}

} // namespace

core::Result<SandboxOutcome>
run_sandboxed(const SandboxSpec& spec,
              const BuildLimits& limits,
              Cgroups* cgroups,
              Clock::time_point deadline,
              const std::atomic<bool>* cancel,
              const LogFn& on_line)
{
  SandboxOutcome outcome;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) {
    outcome.limit = Limit::time;
    return outcome;
  }

  std::unique_ptr<Cgroup> group;
  if (cgroups != nullptr) {
    auto created = cgroups->create(
      { .memory_bytes = limits.memory_bytes, .max_processes = limits.max_processes });
    if (!created) {
      return std::unexpected(std::move(created.error()));
    }
    group = std::move(*created);
  }

  DiskWatch disk(spec.workspace, limits.disk_bytes);
  Limit hit = Limit::none;
  util::ProcessOptions options;
  options.argv = sandbox_argv(spec);
  options.env = { "PATH=/usr/local/bin:/usr/bin:/bin" };
  options.cwd = spec.workspace;
  options.timeout = left;
  options.cancel = cancel;
  options.on_line = on_line;
  options.rlimits.push_back({ RLIMIT_CORE, 0 });
  if (limits.disk_bytes != 0) {
    options.rlimits.push_back({ RLIMIT_FSIZE, limits.disk_bytes });
  }
  if (group) {
    options.join_cgroups = group->procs_files();
  }
  options.stop_when = [&] {
    hit = group ? limit_from(group->events()) : Limit::none;
    if (hit == Limit::none && disk.over_limit()) {
      hit = Limit::disk;
    }
    return hit != Limit::none;
  };

  auto result = util::run_process(options);
  if (!result) {
    return core::fail("cannot start the sandbox: " + result.error());
  }
  if (group) {
    group->kill_all();
  }
  outcome.exit_code = result->exit_code;
  outcome.signal = result->signal;
  outcome.canceled = result->canceled;
  if (result->timed_out) {
    outcome.limit = Limit::time;
  } else if (result->stopped) {
    outcome.limit = hit;
  } else if (!result->canceled) {
    outcome.limit = group ? limit_from(group->events()) : Limit::none;
    if (outcome.limit == Limit::none && disk.over_limit(true)) {
      outcome.limit = Limit::disk;
    }
  }
  return outcome;
}

} // namespace reactor::builder
