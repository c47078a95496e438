#include "reactor/builder/sandbox/sandbox_runner.hpp"

#include "reactor/builder/disk_watch.hpp"
#include "reactor/builder/sandbox/sandbox_network.hpp"
#include "reactor/util/process.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <sys/resource.h>
#include <system_error>
#include <unistd.h>

namespace reactor::builder::sandbox {

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
util::Result<void>
bring_network_up(const std::string& slirp4netns,
                 int pid,
                 util::FileDescriptor& release,
                 std::optional<SandboxNetwork>& network)
{
  auto started = start_sandbox_network(slirp4netns, pid, k_network_start_limit);
  if (!started) {
    return std::unexpected(std::move(started.error()));
  }
  network.emplace(std::move(*started));
  if (::write(release.get(), "1", 1) != 1) {
    return util::fail(std::string("cannot let the sandbox start: ") +
                      std::generic_category().message(errno));
  }
  release.reset();
  return {};
}

// The failure of a sandbox that could not start, in bwrap's own words (`cause`: what
// failed on Reactor's side as a result, if anything). Retrying cannot help.
util::Error
sandbox_start_failure(const std::vector<std::string>& bwrap_said, const std::string& cause)
{
  std::string message = "the build sandbox could not start:";
  for (const auto& line : bwrap_said) {
    message += " " + line;
  }
  if (!cause.empty()) {
    message += " (then: " + cause + ")";
  }
  message += ". Reactor tries its sandbox at start: see the builder.sandbox log line and "
             "docs/OPERATIONS.md";
  return util::Error{ std::move(message), false };
}

} // namespace

util::Result<SandboxOutcome>
run_sandboxed(const SandboxSpec& spec,
              const BuildLimits& limits,
              Cgroups* cgroups,
              Clock::time_point deadline,
              const std::atomic<bool>* cancel,
              const LogFn& on_line)
{
  std::string slirp4netns;
  if (spec.network == NetworkAccess::confined) {
    auto found = find_slirp4netns(spec.slirp4netns);
    if (!found) {
      return util::fail_for_good(std::move(found.error().message));
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
  // bwrap's complaints before the command said anything: the sandbox could not start.
  std::vector<std::string> bwrap_said;
  bool command_spoke = false;
  util::ProcessOptions options;
  options.argv = sandbox_argv(spec);
  options.env = { "PATH=/usr/local/bin:/usr/bin:/bin" };
  options.cwd = spec.workspace;
  options.timeout = left;
  options.cancel = cancel;
  options.on_line = [&](std::string_view line) {
    if (!command_spoke && line.starts_with("bwrap: ") && bwrap_said.size() < 4) {
      bwrap_said.emplace_back(line);
    } else {
      command_spoke = true;
    }
    on_line(line);
  };
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

  // The confined network: bwrap starts in a network namespace of its own, where slirp4netns
  // brings up the network while bwrap sets up the sandbox; the command waits for it. (With
  // bwrap's --unshare-net, bwrap would bring up the loopback interface itself, racing
  // slirp4netns --configure, which does too.)
  std::optional<SandboxNetwork> network;
  util::Pipe network_ready;
  if (spec.network == NetworkAccess::confined) {
    auto pipe = util::make_pipe();
    if (!pipe) {
      return util::fail("cannot start the sandbox: " + pipe.error().message);
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
    if (!bwrap_said.empty()) {
      return std::unexpected(sandbox_start_failure(bwrap_said, result.error().message));
    }
    return util::fail("cannot start the sandbox: " + result.error().message);
  }
  // bwrap exits 1 after saying why when it cannot set the sandbox up, before the command
  // runs. (A command whose first words are "bwrap: " and that exits 1 is taken for it too;
  // it only changes the failure's message.)
  if (result->exit_code == 1 && !bwrap_said.empty() && !command_spoke) {
    return std::unexpected(sandbox_start_failure(bwrap_said, ""));
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

std::string
sandbox_problem(const std::filesystem::path& workspace,
                const std::string& bwrap,
                const std::string& slirp4netns)
{
  std::error_code ec;
  std::filesystem::remove_all(workspace, ec);
  std::string problem;
  if (auto prepared = prepare_workspace(workspace); !prepared) {
    problem = prepared.error().message;
  } else if (std::filesystem::create_directories(workspace / "src", ec); ec) {
    problem = "cannot create " + (workspace / "src").string() + ": " + ec.message();
  }
  for (const auto network : { NetworkAccess::none, NetworkAccess::confined }) {
    if (!problem.empty()) {
      break;
    }
    SandboxSpec spec;
    spec.workspace = workspace;
    spec.network = network;
    spec.command = { "true" };
    spec.root_entries = host_root_entries();
    spec.bwrap = bwrap;
    spec.slirp4netns = slirp4netns;
    std::string output;
    const auto ran = run_sandboxed(spec,
                                   BuildLimits{},
                                   nullptr,
                                   std::chrono::steady_clock::now() + std::chrono::seconds(30),
                                   nullptr,
                                   [&output](std::string_view line) {
                                     output += line;
                                     output += '\n';
                                   });
    const std::string name = network == NetworkAccess::confined ? "install" : "build";
    if (!ran) {
      problem = "the " + name + " phase: " + ran.error().message;
    } else if (!ran->succeeded()) {
      problem = "the " + name + " phase's sandbox ran `true` and it failed: ";
      problem += output;
    }
  }
  std::filesystem::remove_all(workspace, ec);
  return problem;
}

} // namespace reactor::builder::sandbox
