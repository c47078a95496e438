#include "reactor/builder/sandbox/sandbox_network.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace reactor::builder::sandbox {

namespace {

using Clock = std::chrono::steady_clock;

// Where slirp4netns finds its two descriptors (util::start_process's pass_fds).
constexpr int k_ready_fd = 3;
constexpr int k_exit_fd = 4;
constexpr std::size_t k_max_output = 4096;

const std::vector<std::string>&
environment()
{
  static const std::vector<std::string> env{ "PATH=/usr/local/bin:/usr/bin:/bin" };
  return env;
}

// True when process `pid` shares Reactor's network namespace, or its namespace cannot be
// read: slirp4netns --configure would then add an interface and a default route to the
// host's network.
bool
shares_our_network(int pid)
{
  struct stat own{};
  struct stat other{};
  const auto path = "/proc/" + std::to_string(pid) + "/ns/net";
  if (::stat("/proc/self/ns/net", &own) != 0 || ::stat(path.c_str(), &other) != 0) {
    return true;
  }
  return own.st_dev == other.st_dev && own.st_ino == other.st_ino;
}

enum class Readiness
{
  ready,
  failed, // slirp4netns closed the descriptor without writing: it stopped
  late
};

// Waits until slirp4netns writes to `ready` or closes it, for at most `timeout`.
Readiness
wait_ready(int ready, std::chrono::milliseconds timeout)
{
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return Readiness::late;
    }
    pollfd entry{ ready, POLLIN, 0 };
    const int polled = ::poll(&entry, 1, static_cast<int>(left));
    if (polled < 0 && errno == EINTR) {
      continue;
    }
    if (polled <= 0) {
      return polled == 0 ? Readiness::late : Readiness::failed;
    }
    char byte = 0;
    ssize_t got = 0;
    do {
      got = ::read(ready, &byte, 1);
    } while (got < 0 && errno == EINTR);
    return got == 1 ? Readiness::ready : Readiness::failed;
  }
}

// What slirp4netns printed (the start of it), on one line.
std::string
output_of(int fd)
{
  std::string text(k_max_output, '\0');
  const ssize_t got = ::pread(fd, text.data(), text.size(), 0);
  text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) {
    text.replace(at, 1, "; ");
  }
  return text;
}

} // namespace

std::vector<std::string>
slirp4netns_argv(const std::string& slirp4netns, int pid)
{
  return { slirp4netns,
           "--configure",
           "--mtu=65520",
           "--disable-host-loopback",
           "--enable-sandbox",
           "--enable-seccomp",
           "--ready-fd=" + std::to_string(k_ready_fd),
           "--exit-fd=" + std::to_string(k_exit_fd),
           std::to_string(pid),
           "tap0" };
}

util::Result<std::string>
find_slirp4netns(const std::string& slirp4netns)
{
  auto found = util::find_executable(slirp4netns, environment());
  if (found && ::access(found->c_str(), X_OK) == 0) {
    return std::move(*found);
  }
  return util::fail("slirp4netns, which gives the install phase its network, is not installed (" +
                    slirp4netns + " not found): install it (Debian: apt-get install slirp4netns)");
}

util::Result<SandboxNetwork>
start_sandbox_network(const std::string& slirp4netns, int pid, std::chrono::milliseconds timeout)
{
  if (shares_our_network(pid)) {
    return util::fail("refusing to start slirp4netns for process " + std::to_string(pid) +
                      ", which has no network namespace of its own");
  }
  auto ready = util::make_pipe();
  auto exit = util::make_pipe();
  if (!ready || !exit) {
    return util::fail("cannot start slirp4netns: " +
                      (ready ? exit.error() : ready.error()).message);
  }
  const util::FileDescriptor output(::memfd_create("slirp4netns-output", MFD_CLOEXEC));
  if (output.get() < 0) {
    return util::fail(std::string("cannot start slirp4netns: memfd_create: ") +
                      std::generic_category().message(errno));
  }
  auto process = util::start_process({ slirp4netns_argv(slirp4netns, pid),
                                       environment(),
                                       output.get(),
                                       { ready->write.get(), exit->read.get() } });
  if (!process) {
    return util::fail("cannot start slirp4netns: " + process.error().message);
  }
  ready->write.reset();
  exit->read.reset();
  const auto readiness = wait_ready(ready->read.get(), timeout);
  if (readiness != Readiness::ready) {
    process->stop();
    const auto said = output_of(output.get());
    return util::fail("slirp4netns could not bring the install phase's network up" +
                      (readiness == Readiness::late
                         ? " within " + std::to_string(timeout.count()) + " ms"
                         : std::string()) +
                      (said.empty() ? std::string() : ": " + said));
  }
  return SandboxNetwork(std::move(*process), std::move(exit->write));
}

} // namespace reactor::builder::sandbox
