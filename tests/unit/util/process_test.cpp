#include "reactor/util/file_descriptor.hpp"
#include "reactor/util/process.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <fcntl.h>
#include <fstream>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace reactor::util {

namespace {

using namespace std::chrono_literals;

ProcessOptions
shell(std::string script)
{
  ProcessOptions options;
  options.argv = { "sh", "-c", std::move(script) };
  options.env = { "PATH=/usr/bin:/bin" };
  return options;
}

// True while the process exists and is not a zombie.
bool
alive(pid_t pid)
{
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat, content)) {
    return false;
  }
  const auto close = content.rfind(')');
  return close != std::string::npos && close + 2 < content.size() && content[close + 2] != 'Z' &&
         content[close + 2] != 'X';
}

pid_t
read_pid(const std::filesystem::path& file)
{
  for (int i = 0; i < 100; ++i) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid && pid > 0) {
      return pid;
    }
    std::this_thread::sleep_for(20ms);
  }
  return 0;
}

} // namespace

TEST(Process, DeliversMergedLinesAndExitCode)
{
  std::vector<std::string> lines;
  auto options = shell("echo one; echo two >&2; printf 'three'; exit 3");
  options.on_line = [&](std::string_view line) { lines.emplace_back(line); };
  const auto result = run_process(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->signal, 0);
  EXPECT_FALSE(result->timed_out);
  EXPECT_FALSE(result->succeeded());
  EXPECT_EQ(lines, (std::vector<std::string>{ "one", "two", "three" }));
}

TEST(Process, SplitsLongLines)
{
  std::vector<std::size_t> sizes;
  auto options = shell("head -c 10000 /dev/zero | tr '\\000' x; echo; echo end");
  options.on_line = [&](std::string_view line) { sizes.push_back(line.size()); };
  const auto result = run_process(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_TRUE(result->succeeded());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{ 4096, 4096, 1808, 3 }));
}

TEST(Process, UsesOnlyTheGivenEnvironmentAndDirectory)
{
  testing::TempDir dir;
  ::setenv("REACTOR_PROCESS_TEST_SECRET", "leak", 1);
  std::vector<std::string> lines;
  ProcessOptions options;
  options.argv = { "env" };
  options.env = { "PATH=/usr/bin:/bin", "ONLY=this" };
  options.on_line = [&](std::string_view line) { lines.emplace_back(line); };
  ASSERT_TRUE(run_process(options).has_value());
  EXPECT_EQ(lines, (std::vector<std::string>{ "PATH=/usr/bin:/bin", "ONLY=this" }));

  lines.clear();
  options.argv = { "pwd" };
  options.cwd = dir.path();
  ASSERT_TRUE(run_process(options).has_value());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(std::filesystem::path(lines[0]), std::filesystem::canonical(dir.path()));
}

TEST(Process, ReportsCommandsThatCannotStart)
{
  ProcessOptions options;
  options.argv = { "reactor-no-such-command" };
  options.env = { "PATH=/usr/bin:/bin" };
  EXPECT_FALSE(run_process(options).has_value());

  options.argv = { "/nonexistent/tool" };
  EXPECT_FALSE(run_process(options).has_value());

  options.argv = { "true" };
  options.cwd = "/nonexistent-directory";
  EXPECT_FALSE(run_process(options).has_value());
}

TEST(Process, TimeoutKillsTheWholeProcessTree)
{
  testing::TempDir dir;
  const auto pid_file = dir.path() / "pid";
  auto options = shell("sh -c 'sleep 30 & echo $! > " + pid_file.string() + "; wait'; echo done");
  options.timeout = 300ms;
  const auto started = std::chrono::steady_clock::now();
  const auto result = run_process(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->signal, SIGKILL);
  EXPECT_FALSE(result->succeeded());
  const auto grandchild = read_pid(pid_file);
  ASSERT_GT(grandchild, 0);
  for (int i = 0; i < 50 && alive(grandchild); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(alive(grandchild));
}

TEST(Process, CancelKillsTheProcess)
{
  std::atomic<bool> cancel{ false };
  auto options = shell("sleep 30");
  options.cancel = &cancel;
  std::thread canceler([&] {
    std::this_thread::sleep_for(200ms);
    cancel = true;
  });
  const auto started = std::chrono::steady_clock::now();
  const auto result = run_process(options);
  canceler.join();
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(result->canceled);
  EXPECT_FALSE(result->timed_out);
}

TEST(Process, KillsLeftoverChildrenWhenTheCommandExits)
{
  testing::TempDir dir;
  const auto pid_file = dir.path() / "pid";
  auto options = shell("sleep 30 & echo $! > " + pid_file.string());
  const auto started = std::chrono::steady_clock::now();
  const auto result = run_process(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_TRUE(result->succeeded());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  const auto child = read_pid(pid_file);
  ASSERT_GT(child, 0);
  for (int i = 0; i < 50 && alive(child); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(alive(child));
}

TEST(Process, SetsResourceLimitsInTheChild)
{
  auto options = shell("ulimit -f; ulimit -c");
  options.rlimits = { { RLIMIT_FSIZE, 2048 * 512 }, { RLIMIT_CORE, 0 } };
  std::vector<std::string> lines;
  options.on_line = [&](std::string_view line) { lines.emplace_back(line); };
  const auto result = run_process(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(lines, (std::vector<std::string>{ "2048", "0" }));

  testing::TempDir dir;
  auto writer = shell("head -c 2000000 /dev/zero > " + (dir.path() / "big").string());
  writer.rlimits = { { RLIMIT_FSIZE, 100'000 } };
  const auto killed = run_process(writer);
  ASSERT_TRUE(killed.has_value()) << killed.error().message;
  EXPECT_FALSE(killed->succeeded());
  EXPECT_LE(std::filesystem::file_size(dir.path() / "big"), 100'000u);
}

TEST(Process, StopWhenKillsTheProcessAndSaysSo)
{
  auto options = shell("sleep 30");
  const auto started = std::chrono::steady_clock::now();
  int polls = 0;
  options.stop_when = [&] { return ++polls == 3; };
  const auto result = run_process(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_TRUE(result->stopped);
  EXPECT_FALSE(result->succeeded());
  EXPECT_EQ(polls, 3);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(Process, ReportsACgroupThatCannotBeJoined)
{
  testing::TempDir dir;
  const int fd = ::open((dir.path() / "procs").c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  auto options = shell("true");
  options.join_cgroups = { fd };
  const auto result = run_process(options);
  ::close(fd);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().message.starts_with("cannot join the cgroup"))
    << result.error().message;
}

TEST(Process, PassesDescriptorsInOrderAndNoOthers)
{
  auto first = make_pipe();
  auto second = make_pipe();
  ASSERT_TRUE(first && second);
  ASSERT_EQ(::write(first->write.get(), "one", 3), 3);
  ASSERT_EQ(::write(second->write.get(), "two", 3), 3);
  first->write.reset();
  second->write.reset();
  std::vector<std::string> lines;
  // The second pipe first: each must land on its own number whatever its number here.
  auto options = shell("cat <&3; echo; cat <&4; echo; ls /proc/self/fd");
  options.pass_fds = { second->read.get(), first->read.get() };
  options.on_line = [&](std::string_view line) { lines.emplace_back(line); };
  const auto result = run_process(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_TRUE(result->succeeded());
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "two");
  EXPECT_EQ(lines[1], "one");
  // ls sees 0, 1, 2, 3, 4 and its own directory descriptor, nothing more.
  EXPECT_EQ(lines.size(), 2u + 6u) << "other descriptors leaked into the child";
}

TEST(Process, StartsInANetworkNamespaceOfItsOwn)
{
  if (::geteuid() != 0) {
    GTEST_SKIP() << "a network namespace needs root";
  }
  struct stat own{};
  ASSERT_EQ(::stat("/proc/self/ns/net", &own), 0);
  std::vector<std::string> lines;
  auto options = shell("stat -L -c %i /proc/self/ns/net; tail -n +3 /proc/net/dev | wc -l");
  options.new_network = true;
  options.on_line = [&](std::string_view line) { lines.emplace_back(line); };
  const auto result = run_process(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0], std::to_string(own.st_ino));
  EXPECT_EQ(lines[1], "1") << "only the loopback interface";
}

TEST(Process, OnStartRunsOnceTheCommandRunsAndItsErrorKillsIt)
{
  int seen = 0;
  auto options = shell("echo started; exit 0");
  options.on_start = [&](int pid) -> Result<void> {
    seen = pid;
    return {};
  };
  const auto result = run_process(options);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_TRUE(result->succeeded());
  EXPECT_GT(seen, 0);

  auto refused = shell("sleep 30");
  const auto started = std::chrono::steady_clock::now();
  refused.on_start = [&](int) -> Result<void> { return fail("no network"); };
  const auto failed = run_process(refused);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().message, "no network");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(Process, StartedProcessRunsUntilStoppedAndIsReaped)
{
  auto started = start_process({ { "sleep", "30" }, { "PATH=/usr/bin:/bin" }, -1, {} });
  ASSERT_TRUE(started.has_value()) << started.error().message;
  const int pid = started->pid();
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(alive(pid));
  {
    const auto moved = std::move(*started);
    EXPECT_EQ(moved.pid(), pid);
  }
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid)))
    << "stopped and reaped, not a zombie";

  EXPECT_FALSE(start_process({ { "reactor-no-such-command" }, {}, -1, {} }).has_value());
}

TEST(Process, FindsExecutablesInTheGivenPath)
{
  EXPECT_EQ(find_executable("sh", { "PATH=/nonexistent:/bin" }), "/bin/sh");
  EXPECT_EQ(find_executable("reactor-no-such-command", { "PATH=/bin" }), std::nullopt);
  EXPECT_EQ(find_executable("/any/path/tool", {}), "/any/path/tool");
}

} // namespace reactor::util
