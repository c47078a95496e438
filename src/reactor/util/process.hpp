#pragma once

#include "reactor/util/error.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
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
  std::vector<int> pass_fds;          // open descriptors the child gets as 3, 4, … (at most 8)
  bool new_network = false; // the child starts in a network namespace of its own (needs root)
  // Called with the child's PID once argv runs. An error kills the process group, and
  // run_process fails with it, after passing what the child wrote so far to on_line.
  std::function<Result<void>(int pid)> on_start;
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
// joins the cgroups, sets the rlimits and enters its network namespace before it runs
// argv. On timeout, cancel or stop_when the whole group gets SIGKILL and is reaped; when
// the child exits the rest of its group is killed too. Fails only when the process cannot
// be started, or on_start fails.
Result<ProcessResult> run_process(const ProcessOptions& options);

// A process left running by start_process. Destroying it, or stop(), ends the process
// with SIGKILL and reaps it.
class BackgroundProcess
{
public:
  BackgroundProcess() = default;
  explicit BackgroundProcess(int pid)
    : m_pid(pid)
  {
  }
  BackgroundProcess(BackgroundProcess&& other) noexcept;
  BackgroundProcess& operator=(BackgroundProcess&& other) noexcept;
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  ~BackgroundProcess() { stop(); }

  int pid() const { return m_pid; } // -1 once stopped
  // Kills the process and waits for it to exit.
  void stop();
  // Kills the process and leaves the wait to a thread of its own, so the caller goes on
  // at once (slirp4netns takes ~20 ms to exit while the kernel removes its tap device).
  void stop_in_background();

private:
  int m_pid = -1;
};

struct BackgroundOptions
{
  std::vector<std::string> argv; // argv[0] without a '/' is looked up in env's PATH
  std::vector<std::string> env;  // "NAME=value": the child's whole environment
  int output = -1;               // the child's stdout and stderr; -1: /dev/null
  std::vector<int> pass_fds;     // open descriptors the child gets as 3, 4, … (at most 8)
};

// Starts argv in a new session, stdin from /dev/null, and returns once it runs, without
// waiting for it. Fails when the process cannot be started.
Result<BackgroundProcess> start_process(const BackgroundOptions& options);

// The file that argv[0] `command` runs: itself when it has a '/', else the first match in
// env's PATH (the caller's PATH when env has none). nullopt when there is none.
std::optional<std::string> find_executable(const std::string& command,
                                           const std::vector<std::string>& env);

} // namespace reactor::util
