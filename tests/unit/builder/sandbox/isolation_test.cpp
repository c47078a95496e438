#include "reactor/builder/sandbox/sandbox.hpp"
#include "reactor/builder/sandbox/sandbox_runner.hpp"

#include <gtest/gtest.h>

#include "../helpers.hpp"
#include "support/temp_dir.hpp"
#include <algorithm>
#include <arpa/inet.h>
#include <fstream>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace reactor::builder::sandbox {

namespace {

using namespace std::chrono_literals;
using reactor::testing::TempDir;

struct Run
{
  SandboxOutcome result;
  std::vector<std::string> lines;

  bool printed(std::string_view text) const
  {
    return std::ranges::any_of(lines,
                               [&](const auto& line) { return line.find(text) != line.npos; });
  }
};

// Runs `command` as the builder does (run_sandboxed, without cgroups): the install phase
// with its slirp4netns network.
Run
run_in_sandbox(const std::filesystem::path& workspace,
               NetworkAccess network,
               std::vector<std::string> command,
               std::chrono::milliseconds time = 60s,
               const std::atomic<bool>* cancel = nullptr)
{
  SandboxSpec spec;
  spec.workspace = workspace;
  spec.network = network;
  spec.command = std::move(command);
  spec.root_entries = host_root_entries();
  Run run;
  auto result = run_sandboxed(spec,
                              BuildLimits{},
                              nullptr,
                              std::chrono::steady_clock::now() + time,
                              cancel,
                              [&](std::string_view line) { run.lines.emplace_back(line); });
  if (!result) {
    throw std::runtime_error(result.error().message);
  }
  run.result = *result;
  return run;
}

// An IPv4 address of one of this host's interfaces other than loopback; empty if none.
std::string
host_address()
{
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) {
    return {};
  }
  std::string found;
  for (const auto* entry = all; entry != nullptr && found.empty(); entry = entry->ifa_next) {
    if (entry->ifa_addr != nullptr && entry->ifa_addr->sa_family == AF_INET &&
        (entry->ifa_flags & IFF_LOOPBACK) == 0 && (entry->ifa_flags & IFF_UP) != 0) {
      char text[INET_ADDRSTRLEN] = {};
      const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      ::inet_ntop(AF_INET, &address->sin_addr, text, sizeof text);
      found = text;
    }
  }
  ::freeifaddrs(all);
  return found;
}

// Processes this test process started and has not reaped.
std::vector<std::string>
children()
{
  std::vector<std::string> pids;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "children");
    for (std::string pid; in >> pid;) {
      pids.push_back(pid);
    }
  }
  return pids;
}

// True once every child is reaped (slirp4netns by the reaper thread, a moment after its
// command ends), within a second.
bool
all_reaped()
{
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!children().empty()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A TCP listener on a host port, for the length of a test: on loopback unless told.
class Listener
{
public:
  explicit Listener(const std::string& host = "127.0.0.1")
  {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    EXPECT_EQ(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ::listen(m_fd, 8);
    socklen_t length = sizeof address;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length);
    m_port = ntohs(address.sin_port);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener() { ::close(m_fd); }

  int port() const { return m_port; }

private:
  int m_fd = -1;
  int m_port = 0;
};

std::string
connect_script(int port, const std::string& host = "127.0.0.1")
{
  return "require('net').connect(" + std::to_string(port) + ", '" + host +
         "').on('connect', () => { console.log('CONNECTED'); process.exit(0); })"
         ".on('error', (e) => { console.log('FAILED ' + e.code); process.exit(3); });";
}

class SandboxIsolation : public ::testing::Test
{
protected:
  void SetUp() override
  {
    if (!testing::sandbox_available()) {
      GTEST_SKIP() << "bwrap cannot create a sandbox here";
    }
    ASSERT_TRUE(prepare_workspace(m_dir.path()).has_value());
  }

  TempDir m_dir;
};

} // namespace

TEST_F(SandboxIsolation, WritesOnlyToTheWorkspace)
{
  const auto run = run_in_sandbox(
    m_dir.path(),
    NetworkAccess::none,
    { "node",
      "-e",
      "const fs = require('fs');"
      "fs.writeFileSync('out.txt', require('os').userInfo().username + ' ' + process.cwd());"
      "for (const p of ['/usr/x', '/etc/x', '/x']) {"
      "  try { fs.writeFileSync(p, 'x'); console.log('WROTE ' + p); } catch (e) {}"
      "}" });
  EXPECT_TRUE(run.result.succeeded());
  EXPECT_FALSE(run.printed("WROTE"));
  std::ifstream out(m_dir.path() / "src" / "out.txt");
  std::string content;
  std::getline(out, content);
  EXPECT_EQ(content, "builder /workspace/src");
}

TEST_F(SandboxIsolation, HidesHostSecrets)
{
  ::setenv("REACTOR_SANDBOX_RUN_SECRET", "s3cr3t", 1);
  const auto shadow =
    run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "cat", "/etc/shadow" });
  EXPECT_FALSE(shadow.result.succeeded());
  const auto env = run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "env" });
  EXPECT_TRUE(env.result.succeeded());
  EXPECT_FALSE(env.printed("s3cr3t"));
  const auto listing = run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "ls", "/", "/etc" });
  EXPECT_TRUE(listing.result.succeeded());
  for (const auto* hidden : { "root", "work", "home", "var", "shadow", "hostname" }) {
    EXPECT_EQ(std::ranges::count(listing.lines, std::string(hidden)), 0) << hidden;
  }
  const auto ssl = run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "ls", "/etc/ssl" });
  EXPECT_EQ(std::ranges::count(ssl.lines, std::string("private")), 0);
  const auto passwd =
    run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "cat", "/etc/passwd" });
  EXPECT_TRUE(passwd.printed("builder:x:1000"));
  EXPECT_EQ(passwd.lines.size(), 3u);
}

TEST_F(SandboxIsolation, BuildPhaseCannotReachHostLoopback)
{
  Listener listener;
  const auto build = run_in_sandbox(
    m_dir.path(), NetworkAccess::none, { "node", "-e", connect_script(listener.port()) });
  EXPECT_EQ(build.result.exit_code, 3);
  EXPECT_TRUE(build.printed("FAILED"));
  EXPECT_FALSE(build.printed("CONNECTED"));
}

TEST_F(SandboxIsolation, InstallPhaseCannotReachHostLoopback)
{
  Listener listener;
  // 127.0.0.1 is the sandbox's own loopback; 10.0.2.2 is slirp4netns's way to the host's,
  // which --disable-host-loopback closes.
  for (const auto* host : { "127.0.0.1", "10.0.2.2" }) {
    const auto install = run_in_sandbox(m_dir.path(),
                                        NetworkAccess::confined,
                                        { "node", "-e", connect_script(listener.port(), host) });
    EXPECT_EQ(install.result.exit_code, 3) << host;
    EXPECT_TRUE(install.printed("FAILED")) << host;
    EXPECT_FALSE(install.printed("CONNECTED")) << host;
  }
}

TEST_F(SandboxIsolation, InstallPhaseHasANetworkOfItsOwn)
{
  const auto interfaces =
    run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "cat", "/proc/net/dev" });
  EXPECT_TRUE(interfaces.printed("tap0:"));
  const auto dns =
    run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "cat", "/etc/resolv.conf" });
  EXPECT_EQ(dns.lines, (std::vector<std::string>{ "nameserver 10.0.2.3" }));

  // The host as another machine sees it, through an address other than loopback: proof
  // that the network works, and that only loopback is closed.
  const auto address = host_address();
  if (address.empty()) {
    GTEST_SKIP() << "this host has no address but loopback";
  }
  Listener listener(address);
  const auto install = run_in_sandbox(m_dir.path(),
                                      NetworkAccess::confined,
                                      { "node", "-e", connect_script(listener.port(), address) });
  EXPECT_TRUE(install.result.succeeded()) << install.lines.front();
  EXPECT_TRUE(install.printed("CONNECTED"));
}

TEST_F(SandboxIsolation, InstallPhaseLeavesNoProcessBehind)
{
  // slirp4netns is Reactor's child: it ends with the command, however that ends, and is
  // reaped.
  EXPECT_TRUE(run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "true" }).result.succeeded());
  EXPECT_TRUE(all_reaped()) << children().front();
  EXPECT_EQ(run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "sh", "-c", "exit 3" })
              .result.exit_code,
            3);
  EXPECT_TRUE(all_reaped()) << children().front();
  EXPECT_EQ(
    run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "sleep", "30" }, 500ms).result.limit,
    Limit::time);
  EXPECT_TRUE(all_reaped()) << children().front();
  std::atomic<bool> cancel{ false };
  std::thread canceler([&] {
    std::this_thread::sleep_for(300ms);
    cancel = true;
  });
  const auto canceled =
    run_in_sandbox(m_dir.path(), NetworkAccess::confined, { "sleep", "30" }, 60s, &cancel);
  canceler.join();
  EXPECT_TRUE(canceled.result.canceled);
  EXPECT_TRUE(all_reaped()) << children().front();
}

TEST_F(SandboxIsolation, InstallPhaseNeedsSlirp4netns)
{
  SandboxSpec spec;
  spec.workspace = m_dir.path();
  spec.network = NetworkAccess::confined;
  spec.command = { "true" };
  spec.slirp4netns = "reactor-no-such-slirp4netns";
  const auto outcome = run_sandboxed(
    spec, BuildLimits{}, nullptr, std::chrono::steady_clock::now() + 60s, nullptr, {});
  ASSERT_FALSE(outcome.has_value()) << "never the host's network instead";
  EXPECT_NE(outcome.error().message.find("apt-get install slirp4netns"), std::string::npos)
    << outcome.error().message;
}

TEST_F(SandboxIsolation, CannotSwapItsIdentityFilesForHostFiles)
{
  // bwrap binds .sandbox/passwd, group and resolv.conf from the host side on every run: a
  // link planted there would show the host file it names (here /etc/shadow) to the next
  // sandbox.
  const auto plant =
    run_in_sandbox(m_dir.path(),
                   NetworkAccess::confined,
                   { "sh",
                     "-c",
                     "cd /workspace/.sandbox; for f in passwd group resolv.conf; do "
                     "ln -sf /etc/shadow $f; done; mv /workspace/.sandbox "
                     "/workspace/moved; true" });
  EXPECT_TRUE(plant.result.succeeded());
  for (const auto* name : { "passwd", "group", "resolv.conf" }) {
    EXPECT_FALSE(std::filesystem::is_symlink(m_dir.path() / ".sandbox" / name)) << name;
  }
  const auto next = run_in_sandbox(
    m_dir.path(), NetworkAccess::none, { "cat", "/etc/passwd", "/etc/group", "/etc/resolv.conf" });
  EXPECT_TRUE(next.result.succeeded());
  EXPECT_TRUE(next.printed("builder:x:1000"));
  EXPECT_TRUE(next.printed("nameserver 10.0.2.3"));
  EXPECT_FALSE(next.printed("root:*:")) << "/etc/shadow";
}

} // namespace reactor::builder::sandbox
