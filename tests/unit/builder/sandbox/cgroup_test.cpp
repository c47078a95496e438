#include "reactor/builder/sandbox/cgroup.hpp"
#include "reactor/util/process.hpp"

#include <gtest/gtest.h>

#include "../helpers.hpp"
#include "support/temp_dir.hpp"
#include <fstream>
#include <sstream>
#include <thread>

namespace reactor::builder::sandbox {

namespace {

namespace fs = std::filesystem;
using reactor::testing::TempDir;
using testing::write_file;

std::string
read(const fs::path& path)
{
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs argv inside `group` and returns how it ended.
util::ProcessResult
run_in(const Cgroup& group, std::vector<std::string> argv)
{
  util::ProcessOptions options;
  options.argv = std::move(argv);
  options.env = { "PATH=/usr/bin:/bin" };
  options.timeout = std::chrono::seconds(60);
  options.join_cgroups = group.procs_files();
  auto result = util::run_process(options);
  if (!result) {
    throw std::runtime_error(result.error().message);
  }
  return *result;
}

class HostCgroups : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto opened = open_cgroups();
    if (!opened) {
      GTEST_SKIP() << "no usable cgroups here: " << opened.error().message;
    }
    m_cgroups = std::move(*opened);
  }

  std::unique_ptr<Cgroups> m_cgroups;
};

} // namespace

TEST(FakeCgroups, DelegatesControllersOnV2AndWritesTheLimits)
{
  TempDir dir;
  const auto mount = dir.path() / "cg";
  write_file(mount / "cgroup.controllers", "memory pids\n");
  write_file(mount / "app/cgroup.controllers", "cpu memory pids\n");
  write_file(mount / "app/cgroup.subtree_control", "\n");
  write_file(mount / "app/cgroup.procs", "4242\n");
  write_file(dir.path() / "proc-cgroup", "0::/app\n");
  write_file(dir.path() / "mountinfo",
             "30 1 0:26 / " + mount.string() + " rw,nosuid - cgroup2 cgroup2 rw\n");

  auto cgroups = open_cgroups({ dir.path() / "proc-cgroup", dir.path() / "mountinfo" });
  ASSERT_TRUE(cgroups.has_value()) << cgroups.error().message;
  EXPECT_EQ((*cgroups)->description(), "cgroup v2 (" + (mount / "app").string() + ")");
  EXPECT_EQ(read(mount / "app/cgroup.subtree_control"), "+memory +pids");
  EXPECT_EQ(read(mount / "app/reactor/cgroup.procs"), "4242");

  auto group = (*cgroups)->create({ .memory_bytes = 64ULL << 20, .max_processes = 32 });
  ASSERT_TRUE(group.has_value()) << group.error().message;
  fs::path made;
  for (const auto& entry : fs::directory_iterator(mount / "app")) {
    // The trial group made at startup asked for 64 processes.
    if (entry.path().filename().string().starts_with("reactor-") &&
        read(entry.path() / "pids.max") == "32") {
      made = entry.path();
    }
  }
  ASSERT_FALSE(made.empty());
  EXPECT_EQ(read(made / "memory.max"), "67108864");
  EXPECT_EQ(read(made / "memory.swap.max"), "0");
  EXPECT_EQ(read(made / "memory.oom.group"), "1");
  EXPECT_EQ(read(made / "pids.max"), "32");
  EXPECT_EQ((*group)->procs_files().size(), 1u);
  write_file(made / "memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n");
  write_file(made / "pids.events", "max 3\n");
  EXPECT_EQ((*group)->events().oom_kills, 1u);
  EXPECT_EQ((*group)->events().process_limit_hits, 3u);
}

TEST(FakeCgroups, SaysWhyNeitherVersionIsUsable)
{
  TempDir dir;
  const auto mount = dir.path() / "cg";
  write_file(mount / "cgroup.controllers", "hugetlb\n");
  write_file(dir.path() / "proc-cgroup", "0::/\n");
  write_file(dir.path() / "mountinfo",
             "30 1 0:26 / " + mount.string() + " rw - cgroup2 cgroup2 rw\n");
  auto cgroups = open_cgroups({ dir.path() / "proc-cgroup", dir.path() / "mountinfo" });
  ASSERT_FALSE(cgroups.has_value());
  EXPECT_NE(cgroups.error().message.find("cgroup v2: the memory and pids controllers"),
            std::string::npos)
    << cgroups.error().message;
  EXPECT_NE(cgroups.error().message.find("cgroup v1: no cgroup v1 mount"), std::string::npos)
    << cgroups.error().message;
}

TEST_F(HostCgroups, KillsAProcessOverTheMemoryLimitAndCountsIt)
{
  auto group = m_cgroups->create({ .memory_bytes = 64ULL << 20, .max_processes = 64 });
  ASSERT_TRUE(group.has_value()) << group.error().message;
  const auto result =
    run_in(**group, { "node", "-e", "const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));" });
  EXPECT_FALSE(result.succeeded());
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_GE((*group)->events().oom_kills, 1u);
  EXPECT_EQ((*group)->events().process_limit_hits, 0u);
}

TEST_F(HostCgroups, RefusesForksOverTheProcessLimitAndCountsThem)
{
  auto group = m_cgroups->create({ .memory_bytes = 256ULL << 20, .max_processes = 16 });
  ASSERT_TRUE(group.has_value()) << group.error().message;
  const auto result = run_in(
    **group, { "sh", "-c", "i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; echo done" });
  EXPECT_GE((*group)->events().process_limit_hits, 1u);
  EXPECT_EQ((*group)->events().oom_kills, 0u);
  static_cast<void>(result);
}

TEST_F(HostCgroups, RemovesTheGroupAndWhatIsLeftInIt)
{
  std::vector<std::string> listed;
  {
    auto group = m_cgroups->create({ .memory_bytes = 256ULL << 20, .max_processes = 64 });
    ASSERT_TRUE(group.has_value()) << group.error().message;
    // The shell leaves a daemon behind in its own session; the group still holds it.
    const auto result =
      run_in(**group, { "sh", "-c", "setsid sleep 987654 >/dev/null 2>&1 < /dev/null & exit 0" });
    EXPECT_TRUE(result.succeeded());
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    listed.clear();
    for (const auto& entry : fs::directory_iterator("/proc")) {
      if (read(entry.path() / "cmdline").find("987654") != std::string::npos) {
        listed.push_back(entry.path().filename().string());
      }
    }
    if (listed.empty()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(listed.empty()) << "left running: pid " << listed.front();
}

} // namespace reactor::builder::sandbox
