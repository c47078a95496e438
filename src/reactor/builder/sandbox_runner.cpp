#include "reactor/builder/sandbox_runner.hpp"

#include "reactor/builder/disk_watch.hpp"
#include "reactor/builder/sandbox_network.hpp"
#include "reactor/util/process.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <sys/resource.h>
#include <system_error>
#include <unistd.h>

namespace reactor::builder {

namespace {

using Clock = std::chrono::steady_clock;

// slirp4netns is up in milliseconds; this only bounds a stuck one.
constexpr auto k_network_start_limit = std::chrono::seconds(10);

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

// Brings up the network of the namespace bwrap (process `pid`) runs in, then lets the
// command start by writing to bwrap's --block-fd (`release`).
std::expected<void, std::string>
bring_network_up(const std::string& slirp4netns,
                 int pid,
                 util::FileDescriptor& release,
                 std::optional<SandboxNetwork>& network)
{
  auto started = start_sandbox_network(slirp4netns, pid, k_network_start_limit);
  if (!started) {
    return std::unexpected(std::move(started.error().message));
  }
  network.emplace(std::move(*started));
  if (::write(release.get(), "1", 1) != 1) {
    return std::unexpected(std::string("cannot let the sandbox start: ") +
                           std::generic_category().message(errno));
  }
  release.reset();
  return {};
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
  std::string slirp4netns;
  if (spec.phase == SandboxPhase::install) {
    auto found = find_slirp4netns(spec.slirp4netns);
    if (!found) {
      return std::unexpected(std::move(found.error()));
    }
    slirp4netns = std::move(*found);
  }

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

  // The install phase: bwrap starts in a network namespace of its own, where slirp4netns
  // brings up the network while bwrap sets up the sandbox; the command waits for it. (With
  // bwrap's --unshare-net, bwrap would bring up the loopback interface itself, racing
  // slirp4netns --configure, which does too.)
  std::optional<SandboxNetwork> network;
  util::Pipe network_ready;
  if (spec.phase == SandboxPhase::install) {
    auto pipe = util::make_pipe();
    if (!pipe) {
      return core::fail("cannot start the sandbox: " + pipe.error());
    }
    network_ready = std::move(*pipe);
    options.new_network = true;
    static_assert(k_network_ready_fd == 3, "the first of pass_fds");
    options.pass_fds = { network_ready.read.get() };
    options.on_start = [&](int pid) {
      network_ready.read.reset();
      return bring_network_up(slirp4netns, pid, network_ready.write, network);
    };
  }

  auto result = util::run_process(options);
  network.reset(); // slirp4netns ends with the command
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
