#include "reactor/builder/sandbox/sandbox_runner.hpp"

#include <gtest/gtest.h>

#include "../helpers.hpp"
#include "support/temp_dir.hpp"
#include <fstream>

namespace reactor::builder::sandbox {

namespace {

using namespace std::chrono_literals;
using reactor::testing::TempDir;

// A stand-in for bwrap that fails to set up its sandbox the way bwrap does.
std::filesystem::path
failing_bwrap(const std::filesystem::path& dir)
{
  const auto path = dir / "bwrap";
  {
    std::ofstream script(path);
    script << "#!/bin/sh\necho \"bwrap: Can't chdir to workspace: No such file or directory\" "
              ">&2\nexit 1\n";
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

} // namespace

TEST(SandboxStart, ReportsBwrapsOwnWordsAsAFailureNotWorthRetrying)
{
  const TempDir dir;
  ASSERT_TRUE(prepare_workspace(dir.path() / "workspace").has_value());
  for (const auto network : { NetworkAccess::none, NetworkAccess::confined }) {
    SandboxSpec spec;
    spec.workspace = dir.path() / "workspace";
    spec.network = network;
    spec.command = { "true" };
    spec.bwrap = failing_bwrap(dir.path()).string();
    std::vector<std::string> lines;
    const auto ran = run_sandboxed(spec,
                                   BuildLimits{},
                                   nullptr,
                                   std::chrono::steady_clock::now() + 30s,
                                   nullptr,
                                   [&](std::string_view line) { lines.emplace_back(line); });
    ASSERT_FALSE(ran.has_value());
    EXPECT_FALSE(ran.error().retryable);
    EXPECT_NE(ran.error().message.find("could not start: bwrap: Can't chdir"), std::string::npos)
      << ran.error().message;
    EXPECT_FALSE(lines.empty()) << "bwrap's words reach the build log too";
  }
}

TEST(SandboxStart, SelfTestPassesHereAndSaysWhatIsWrongElsewhere)
{
  if (!testing::sandbox_available()) {
    GTEST_SKIP() << "bwrap cannot create a sandbox here";
  }
  const TempDir dir;
  EXPECT_EQ(sandbox_problem(dir.path() / "self-test", "bwrap", "slirp4netns"), "");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "self-test")) << "the scratch is removed";
  const auto problem =
    sandbox_problem(dir.path() / "self-test", failing_bwrap(dir.path()).string(), "slirp4netns");
  EXPECT_NE(problem.find("bwrap: Can't chdir"), std::string::npos) << problem;
  const auto no_network =
    sandbox_problem(dir.path() / "self-test", "bwrap", "reactor-no-such-slirp4netns");
  EXPECT_NE(no_network.find("apt-get install slirp4netns"), std::string::npos) << no_network;
}

} // namespace reactor::builder::sandbox
