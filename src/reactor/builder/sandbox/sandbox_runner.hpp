#pragma once

#include "reactor/builder/git.hpp"
#include "reactor/builder/limits.hpp"
#include "reactor/builder/sandbox/cgroup.hpp"
#include "reactor/builder/sandbox/sandbox.hpp"
#include "reactor/util/error.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

namespace reactor::builder::sandbox {

struct SandboxOutcome
{
  int exit_code = -1; // -1 when killed by a signal
  int signal = 0;
  Limit limit = Limit::none; // the limit that stopped the command
  bool canceled = false;

  bool succeeded() const { return exit_code == 0 && limit == Limit::none && !canceled; }
};

// Runs one sandboxed command under `limits`: in a fresh cgroup with the memory and process
// limits (when `cgroups` is set), no file larger than the disk limit, the workspace's disk
// use watched, and killed with everything it started when a limit is hit, `deadline`
// passes or `cancel` becomes true. A limit hit at any time is reported, even when the
// command then exits 0. A confined network comes from slirp4netns, which ends with the
// command. Fails (an infrastructure problem) when the sandbox, its cgroup or its
// network cannot be set up, saying what to install when slirp4netns is missing.
util::Result<SandboxOutcome> run_sandboxed(const SandboxSpec& spec,
                                           const BuildLimits& limits,
                                           Cgroups* cgroups,
                                           std::chrono::steady_clock::time_point deadline,
                                           const std::atomic<bool>* cancel,
                                           const LogFn& on_line);

// Runs `true` in a real sandbox of each kind (without a network, and with the confined one) in a
// scratch workspace at `workspace`, removed after. Returns what is wrong, in words an
// operator can act on (bwrap's own when it said any), or an empty string.
std::string sandbox_problem(const std::filesystem::path& workspace,
                            const std::string& bwrap,
                            const std::string& slirp4netns);

} // namespace reactor::builder::sandbox
