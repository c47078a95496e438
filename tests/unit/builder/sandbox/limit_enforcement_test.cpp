#include "reactor/builder/file_tree.hpp"
#include "reactor/builder/sandbox/sandbox_runner.hpp"

#include <gtest/gtest.h>

#include "../helpers.hpp"
#include "support/temp_dir.hpp"

namespace reactor::builder::sandbox {

namespace {

using namespace std::chrono_literals;
using reactor::testing::TempDir;

class SandboxLimits : public ::testing::Test
{
protected:
  void SetUp() override
  {
    if (!testing::sandbox_available()) {
      GTEST_SKIP() << "bwrap cannot create a sandbox here";
    }
    auto cgroups = open_cgroups();
    if (!cgroups) {
      GTEST_SKIP() << "no usable cgroups here: " << cgroups.error().message;
    }
    m_cgroups = std::move(*cgroups);
    ASSERT_TRUE(prepare_workspace(m_dir.path()).has_value());
    m_limits.memory_bytes = 96ULL << 20;
    m_limits.max_processes = 32;
    m_limits.disk_bytes = 64ULL << 20;
  }

  SandboxOutcome run(std::vector<std::string> command, std::chrono::milliseconds time = 60s)
  {
    SandboxSpec spec;
    spec.workspace = m_dir.path();
    spec.network = NetworkAccess::none;
    spec.command = std::move(command);
    spec.root_entries = host_root_entries();
    spec.tmp_bytes = m_limits.memory_bytes;
    m_lines.clear();
    auto outcome = run_sandboxed(spec,
                                 m_limits,
                                 m_cgroups.get(),
                                 std::chrono::steady_clock::now() + time,
                                 nullptr,
                                 [this](std::string_view line) { m_lines.emplace_back(line); });
    if (!outcome) {
      throw std::runtime_error(outcome.error().message);
    }
    return *outcome;
  }

  TempDir m_dir;
  std::unique_ptr<Cgroups> m_cgroups;
  BuildLimits m_limits;
  std::vector<std::string> m_lines;
};

} // namespace

TEST_F(SandboxLimits, RunsAnOrdinaryCommand)
{
  const auto outcome = run({ "node", "-e", "console.log('fine')" });
  EXPECT_TRUE(outcome.succeeded());
  EXPECT_EQ(m_lines, (std::vector<std::string>{ "fine" }));
}

TEST_F(SandboxLimits, StopsEndlessAllocationAtTheMemoryLimit)
{
  const auto outcome =
    run({ "node", "-e", "const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));" });
  EXPECT_EQ(outcome.limit, Limit::memory);
  EXPECT_FALSE(outcome.succeeded());
}

TEST_F(SandboxLimits, StopsAForkBombAtTheProcessLimit)
{
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = run({ "sh", "-c", "b() { b | b & }; b; sleep 100" });
  EXPECT_EQ(outcome.limit, Limit::processes);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST_F(SandboxLimits, StopsAnEndlessFileAtTheDiskLimit)
{
  const auto outcome = run({ "sh", "-c", "cat /dev/zero > endless; echo survived" });
  EXPECT_EQ(outcome.limit, Limit::disk);
  EXPECT_LT(allocated_bytes(m_dir.path()), 80ULL << 20);
}

TEST_F(SandboxLimits, StopsManyFilesAtTheDiskLimit)
{
  const auto outcome = run({ "node",
                             "-e",
                             "const fs = require('fs'); const b = Buffer.alloc(1 << 20, 1);"
                             "for (let i = 0;; i++) fs.writeFileSync('f' + i, b);" });
  EXPECT_EQ(outcome.limit, Limit::disk);
}

TEST_F(SandboxLimits, StopsAnEndlessLoopAtTheDeadline)
{
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = run({ "sh", "-c", "while :; do :; done" }, 1500ms);
  EXPECT_EQ(outcome.limit, Limit::time);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST_F(SandboxLimits, ReportsAPlainFailureWithoutALimit)
{
  const auto outcome = run({ "sh", "-c", "echo broken; exit 3" });
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.limit, Limit::none);
}

} // namespace reactor::builder::sandbox
