#include "reactor/util/process.hpp"

#include "reactor/util/file_descriptor.hpp"

#include <array>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <poll.h>
#include <sched.h>
#include <stop_token>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>

namespace reactor::util {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto k_poll_interval = std::chrono::milliseconds(50);
constexpr auto k_drain_limit = std::chrono::milliseconds(2000);
constexpr std::size_t k_max_pass_fds = 8;

std::string
env_value(const std::vector<std::string>& env, std::string_view name)
{
  for (const auto& entry : env) {
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return {};
}

class LineSplitter
{
public:
  explicit LineSplitter(const std::function<void(std::string_view)>& on_line)
    : m_on_line(on_line)
  {
  }

  void feed(std::string_view bytes)
  {
    for (const char c : bytes) {
      if (c == '\n') {
        emit();
        continue;
      }
      m_line.push_back(c);
      if (m_line.size() >= k_max_line_bytes) {
        emit();
      }
    }
  }

  void finish()
  {
    if (!m_line.empty()) {
      emit();
    }
  }

private:
  void emit()
  {
    if (!m_line.empty() && m_line.back() == '\r') {
      m_line.pop_back();
    }
    if (m_on_line) {
      m_on_line(m_line);
    }
    m_line.clear();
  }

  const std::function<void(std::string_view)>& m_on_line;
  std::string m_line;
};

// What the child reports through the status pipe when it cannot run the command.
struct ChildFailure
{
  int stage = 0; // 0: exec, 1: cgroup, 2: rlimit, 3: network namespace
  int error = 0;
};

struct ChildSetup
{
  const char* file;
  char* const* argv;
  char* const* envp;
  const char* cwd;
  int output;
  int devnull;
  int status_pipe;
  const int* cgroups;
  std::size_t cgroup_count;
  const ResourceLimit* rlimits;
  std::size_t rlimit_count;
  const int* pass_fds;
  std::size_t pass_fd_count;
  bool new_network;
};

// Runs in the forked child: moves the passed descriptors to 3, 4, … and the status pipe
// right after them (close-on-exec), and closes every other descriptor above 2. Each is
// first copied above that range, so that placing one never overwrites another still to be
// placed. `status_pipe` always names a working status pipe; false (errno set) on failure.
bool
place_descriptors(const ChildSetup& setup, int& status_pipe)
{
  const int status_target = 3 + static_cast<int>(setup.pass_fd_count);
  const int first_free = status_target + 1;
  const int status = ::fcntl(status_pipe, F_DUPFD_CLOEXEC, first_free);
  if (status < 0) {
    return false;
  }
  status_pipe = status;
  std::array<int, k_max_pass_fds> moved{};
  for (std::size_t i = 0; i < setup.pass_fd_count; ++i) {
    moved[i] = ::fcntl(setup.pass_fds[i], F_DUPFD_CLOEXEC, first_free);
    if (moved[i] < 0) {
      return false;
    }
  }
  for (std::size_t i = 0; i < setup.pass_fd_count; ++i) {
    if (::dup2(moved[i], 3 + static_cast<int>(i)) < 0) {
      return false;
    }
  }
  if (::dup3(status, status_target, O_CLOEXEC) < 0) {
    return false;
  }
  status_pipe = status_target;
  ::close_range(static_cast<unsigned>(first_free), ~0U, 0);
  return true;
}

// Runs in the forked child: only async-signal-safe calls.
[[noreturn]] void
exec_child(const ChildSetup& setup)
{
  ::setsid();
  sigset_t none;
  sigemptyset(&none);
  ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action{};
  default_action.sa_handler = SIG_DFL;
  for (int sig : { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGXFSZ }) {
    ::sigaction(sig, &default_action, nullptr);
  }
  int status_pipe = setup.status_pipe;
  ChildFailure failure;
  for (std::size_t i = 0; i < setup.cgroup_count && failure.error == 0; ++i) {
    if (::write(setup.cgroups[i], "0", 1) != 1) {
      failure = { 1, errno };
    }
  }
  for (std::size_t i = 0; i < setup.rlimit_count && failure.error == 0; ++i) {
    const rlimit limit{ static_cast<rlim_t>(setup.rlimits[i].value),
                        static_cast<rlim_t>(setup.rlimits[i].value) };
    if (::setrlimit(setup.rlimits[i].resource, &limit) != 0) {
      failure = { 2, errno };
    }
  }
  if (failure.error == 0 && setup.new_network && ::unshare(CLONE_NEWNET) != 0) {
    failure = { 3, errno };
  }
  if (failure.error == 0) {
    if (::dup2(setup.devnull, STDIN_FILENO) < 0 || ::dup2(setup.output, STDOUT_FILENO) < 0 ||
        ::dup2(setup.output, STDERR_FILENO) < 0 ||
        (setup.cwd != nullptr && ::chdir(setup.cwd) != 0) ||
        !place_descriptors(setup, status_pipe)) {
      failure.error = errno;
    } else {
      ::execve(setup.file, setup.argv, setup.envp);
      failure.error = errno;
    }
  }
  const ssize_t ignored = ::write(status_pipe, &failure, sizeof failure);
  static_cast<void>(ignored);
  ::_exit(127);
}

// Forks a child that runs options.argv (see exec_child) with `output` as its stdout and
// stderr (-1: /dev/null); returns its PID once argv runs.
Result<pid_t>
launch(const ProcessOptions& options, int output)
{
  if (options.argv.empty()) {
    return fail("empty command");
  }
  if (options.pass_fds.size() > k_max_pass_fds) {
    return fail("too many descriptors to pass");
  }
  const auto file = find_executable(options.argv.front(), options.env);
  if (!file) {
    return fail("command not found: " + options.argv.front());
  }

  std::vector<char*> argv;
  argv.reserve(options.argv.size() + 1);
  for (const auto& arg : options.argv) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(options.env.size() + 1);
  for (const auto& entry : options.env) {
    envp.push_back(const_cast<char*>(entry.c_str()));
  }
  envp.push_back(nullptr);
  const std::string cwd = options.cwd.string();

  auto status = make_pipe();
  if (!status) {
    return std::unexpected(std::move(status.error()));
  }
  FileDescriptor devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (devnull.get() < 0) {
    return fail(std::string("/dev/null: ") + std::generic_category().message(errno));
  }

  const pid_t pid = ::fork();
  if (pid < 0) {
    return fail(std::string("fork: ") + std::generic_category().message(errno));
  }
  if (pid == 0) {
    exec_child({ file->c_str(),
                 argv.data(),
                 envp.data(),
                 cwd.empty() ? nullptr : cwd.c_str(),
                 output >= 0 ? output : devnull.get(),
                 devnull.get(),
                 status->write.get(),
                 options.join_cgroups.data(),
                 options.join_cgroups.size(),
                 options.rlimits.data(),
                 options.rlimits.size(),
                 options.pass_fds.data(),
                 options.pass_fds.size(),
                 options.new_network });
  }
  status->write.reset();
  devnull.reset();

  ChildFailure failure;
  ssize_t got = 0;
  do {
    got = ::read(status->read.get(), &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  if (got == sizeof failure) {
    int ignored = 0;
    ::waitpid(pid, &ignored, 0);
    const char* what = failure.stage == 1   ? "cannot join the cgroup for "
                       : failure.stage == 2 ? "cannot set resource limits for "
                       : failure.stage == 3 ? "cannot create a network namespace for "
                                            : "cannot run ";
    return fail(what + options.argv.front() + ": " +
                std::generic_category().message(failure.error));
  }
  return pid;
}

} // namespace

Result<ProcessResult>
run_process(const ProcessOptions& options)
{
  auto output = make_pipe();
  if (!output) {
    return std::unexpected(std::move(output.error()));
  }
  FileDescriptor read_end = std::move(output->read);
  auto launched = launch(options, output->write.get());
  output->write.reset();
  if (!launched) {
    return std::unexpected(std::move(launched.error()));
  }
  const pid_t pid = *launched;
  ::fcntl(read_end.get(), F_SETFL, ::fcntl(read_end.get(), F_GETFL) | O_NONBLOCK);
  if (options.on_start) {
    if (auto started = options.on_start(pid); !started) {
      ::kill(-pid, SIGKILL);
      int ignored = 0;
      ::waitpid(pid, &ignored, 0);
      // What the child said before it was stopped often says why on_start failed (a
      // process that exited at once): it still reaches on_line.
      LineSplitter splitter(options.on_line);
      std::array<char, 16 * 1024> buffer{};
      for (ssize_t n = 0; (n = ::read(read_end.get(), buffer.data(), buffer.size())) > 0;) {
        splitter.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      }
      splitter.finish();
      return std::unexpected(std::move(started.error()));
    }
  }

  ProcessResult result;
  LineSplitter splitter(options.on_line);
  const auto start = Clock::now();
  auto next_watch = start + k_poll_interval;
  std::optional<Clock::time_point> drain_until;
  bool killed = false;
  bool output_open = true;
  bool exited = false;
  int wait_status = 0;
  std::array<char, 16 * 1024> buffer{};

  const auto kill_group = [&] {
    ::kill(-pid, SIGKILL);
    killed = true;
  };

  // Readable once the child exits, so that waiting for it needs no sleeping; -1 on kernels
  // without pidfd_open, where a short sleep stands in.
  FileDescriptor exit_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  while (output_open || !exited) {
    std::array<pollfd, 2> entries{};
    nfds_t watched = 0;
    if (output_open) {
      entries[watched++] = { read_end.get(), POLLIN, 0 };
    }
    if (!exited && exit_fd.get() >= 0) {
      entries[watched++] = { exit_fd.get(), POLLIN, 0 };
    }
    if (watched == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } else {
      ::poll(entries.data(), watched, static_cast<int>(k_poll_interval.count()));
    }
    if (output_open && (entries[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      for (;;) {
        const ssize_t n = ::read(read_end.get(), buffer.data(), buffer.size());
        if (n > 0) {
          splitter.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
          continue;
        }
        if (n < 0 && errno == EINTR) {
          continue;
        }
        if (n == 0 || errno != EAGAIN) {
          output_open = false;
        }
        break;
      }
    }

    if (!exited) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == pid) {
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &wait_status, 0);
        exited = true;
        drain_until = Clock::now() + k_drain_limit;
        continue;
      }
      if (!killed && options.cancel != nullptr && options.cancel->load()) {
        result.canceled = true;
        kill_group();
      } else if (!killed && options.timeout.count() > 0 &&
                 Clock::now() - start >= options.timeout) {
        result.timed_out = true;
        kill_group();
      } else if (!killed && options.stop_when && Clock::now() >= next_watch) {
        next_watch = Clock::now() + k_poll_interval;
        if (options.stop_when()) {
          result.stopped = true;
          kill_group();
        }
      }
    } else if (output_open && Clock::now() >= *drain_until) {
      output_open = false;
    }
  }
  splitter.finish();

  if (WIFEXITED(wait_status)) {
    result.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    result.signal = WTERMSIG(wait_status);
  }
  return result;
}

BackgroundProcess::BackgroundProcess(BackgroundProcess&& other) noexcept
  : m_pid(std::exchange(other.m_pid, -1))
{
}

BackgroundProcess&
BackgroundProcess::operator=(BackgroundProcess&& other) noexcept
{
  if (this != &other) {
    stop();
    m_pid = std::exchange(other.m_pid, -1);
  }
  return *this;
}

namespace {

// Reaps the processes stop_in_background() killed, one thread for the whole program.
class Reaper
{
public:
  void reap(int pid)
  {
    {
      std::scoped_lock lock(m_mutex);
      m_pids.push_back(pid);
    }
    m_queued.notify_one();
  }

private:
  void run(const std::stop_token& stop)
  {
    for (;;) {
      std::vector<int> pids;
      {
        std::unique_lock lock(m_mutex);
        // Once stopping, what is queued is still reaped: each was killed, so exits soon.
        m_queued.wait(lock, stop, [this] { return !m_pids.empty(); });
        if (m_pids.empty()) {
          return;
        }
        pids.swap(m_pids);
      }
      for (const int pid : pids) {
        int ignored = 0;
        while (::waitpid(pid, &ignored, 0) < 0 && errno == EINTR) {
        }
      }
    }
  }

  std::mutex m_mutex;
  std::condition_variable_any m_queued;
  std::vector<int> m_pids;
  std::jthread m_thread{ [this](const std::stop_token& stop) { run(stop); } }; // last
};

} // namespace

void
BackgroundProcess::stop_in_background()
{
  if (m_pid <= 0) {
    return;
  }
  ::kill(m_pid, SIGKILL);
  static Reaper reaper;
  reaper.reap(std::exchange(m_pid, -1));
}

void
BackgroundProcess::stop()
{
  if (m_pid <= 0) {
    return;
  }
  ::kill(m_pid, SIGKILL);
  int ignored = 0;
  while (::waitpid(m_pid, &ignored, 0) < 0 && errno == EINTR) {
  }
  m_pid = -1;
}

Result<BackgroundProcess>
start_process(const BackgroundOptions& options)
{
  ProcessOptions launched;
  launched.argv = options.argv;
  launched.env = options.env;
  launched.pass_fds = options.pass_fds;
  auto pid = launch(launched, options.output);
  if (!pid) {
    return std::unexpected(std::move(pid.error()));
  }
  return BackgroundProcess(*pid);
}

std::optional<std::string>
find_executable(const std::string& command, const std::vector<std::string>& env)
{
  if (command.find('/') != std::string::npos) {
    return command;
  }
  auto path = env_value(env, "PATH");
  if (path.empty()) {
    const char* own = std::getenv("PATH");
    path = own != nullptr ? own : "/usr/local/bin:/usr/bin:/bin";
  }
  std::string_view rest = path;
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const auto dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty()) {
      continue;
    }
    auto candidate = std::string(dir) + "/" + command;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

} // namespace reactor::util
