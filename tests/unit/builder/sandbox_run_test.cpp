#include "reactor/builder/sandbox.hpp"
#include "reactor/util/process.hpp"

#include <gtest/gtest.h>

#include "../util/temp_dir.hpp"
#include "helpers.hpp"
#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace reactor::builder {

namespace {

using reactor::testing::TempDir;

struct Run
{
  util::ProcessResult result;
  std::vector<std::string> lines;

  bool printed(std::string_view text) const
  {
    return std::ranges::any_of(lines,
                               [&](const auto& line) { return line.find(text) != line.npos; });
  }
};

Run
run_in_sandbox(const std::filesystem::path& workspace,
               SandboxPhase phase,
               std::vector<std::string> command)
{
  SandboxSpec spec;
  spec.workspace = workspace;
  spec.phase = phase;
  spec.command = std::move(command);
  spec.root_entries = host_root_entries();
  Run run;
  util::ProcessOptions options;
  options.argv = sandbox_argv(spec);
  options.env = { "PATH=/usr/bin:/bin" };
  options.timeout = std::chrono::seconds(60);
  options.on_line = [&](std::string_view line) { run.lines.emplace_back(line); };
  auto result = util::run_process(options);
  if (!result) {
    throw std::runtime_error(result.error());
  }
  run.result = *result;
  return run;
}

// A TCP listener on a host loopback port, for the length of a test.
class Listener
{
public:
  Listener()
  {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
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
connect_script(int port)
{
  return "require('net').connect(" + std::to_string(port) +
         ", '127.0.0.1').on('connect', () => { console.log('CONNECTED'); process.exit(0); })"
         ".on('error', (e) => { console.log('FAILED ' + e.code); process.exit(3); });";
}

class SandboxRun : public ::testing::Test
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

TEST_F(SandboxRun, WritesOnlyToTheWorkspace)
{
  const auto run = run_in_sandbox(
    m_dir.path(),
    SandboxPhase::build,
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

TEST_F(SandboxRun, HidesHostSecrets)
{
  ::setenv("REACTOR_SANDBOX_RUN_SECRET", "s3cr3t", 1);
  const auto shadow = run_in_sandbox(m_dir.path(), SandboxPhase::install, { "cat", "/etc/shadow" });
  EXPECT_FALSE(shadow.result.succeeded());
  const auto env = run_in_sandbox(m_dir.path(), SandboxPhase::install, { "env" });
  EXPECT_TRUE(env.result.succeeded());
  EXPECT_FALSE(env.printed("s3cr3t"));
  const auto listing = run_in_sandbox(m_dir.path(), SandboxPhase::install, { "ls", "/", "/etc" });
  EXPECT_TRUE(listing.result.succeeded());
  for (const auto* hidden : { "root", "work", "home", "var", "shadow", "hostname" }) {
    EXPECT_EQ(std::ranges::count(listing.lines, std::string(hidden)), 0) << hidden;
  }
  const auto ssl = run_in_sandbox(m_dir.path(), SandboxPhase::install, { "ls", "/etc/ssl" });
  EXPECT_EQ(std::ranges::count(ssl.lines, std::string("private")), 0);
  const auto passwd = run_in_sandbox(m_dir.path(), SandboxPhase::install, { "cat", "/etc/passwd" });
  EXPECT_TRUE(passwd.printed("builder:x:1000"));
  EXPECT_EQ(passwd.lines.size(), 3u);
}

TEST_F(SandboxRun, BuildPhaseCannotReachHostLoopback)
{
  Listener listener;
  const auto build = run_in_sandbox(
    m_dir.path(), SandboxPhase::build, { "node", "-e", connect_script(listener.port()) });
  EXPECT_EQ(build.result.exit_code, 3);
  EXPECT_TRUE(build.printed("FAILED"));
  EXPECT_FALSE(build.printed("CONNECTED"));
}

} // namespace reactor::builder
