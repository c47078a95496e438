#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::util {

// Longer output lines reach the callback in pieces of at most this many bytes.
constexpr std::size_t k_max_line_bytes = 4096;

// A setrlimit(2) resource (RLIMIT_FSIZE, …) and the value for both its soft and hard limit.
struct ResourceLimit
{
  int resource = 0;
  std::uint64_t value = 0;
};

struct ProcessOptions
{
  std::vector<std::string> argv;             // argv[0] without a '/' is looked up in env's PATH
  std::filesystem::path cwd;                 // empty: the caller's working directory
  std::vector<std::string> env;              // "NAME=value": the child's whole environment
  std::chrono::milliseconds timeout{ 0 };    // 0: no limit
  const std::atomic<bool>* cancel = nullptr; // polled; true kills the process group
  std::function<void(std::string_view line)> on_line; // stdout and stderr, merged
  std::vector<int> join_cgroups;      // open cgroup.procs files the child writes "0" to first
  std::vector<ResourceLimit> rlimits; // set in the child before it runs argv
  std::function<bool()> stop_when;    // polled about every 50 ms; true kills the process group
};

struct ProcessResult
{
  int exit_code = -1; // -1 when killed by a signal
  int signal = 0;     // the terminating signal, 0 when it exited
  bool timed_out = false;
  bool canceled = false;
  bool stopped = false; // killed because stop_when returned true

  bool succeeded() const { return exit_code == 0 && !timed_out && !canceled && !stopped; }
};

// Runs argv directly (never through a shell) in a new session and process group, stdin
// from /dev/null, and delivers its output line by line from the calling thread. The child
// joins the cgroups and sets the rlimits before it runs argv. On timeout, cancel or
// stop_when the whole group gets SIGKILL and is reaped; when the child exits the rest of
// its group is killed too. Fails only when the process cannot be started.
std::expected<ProcessResult, std::string> run_process(const ProcessOptions& options);

} // namespace reactor::util
