#include "reactor/builder/build_info.hpp"
#include "reactor/builder/limits.hpp"

#include <gtest/gtest.h>

namespace reactor::builder {

using namespace std::chrono_literals;

TEST(Limits, NamesEachLimitWithItsValue)
{
  const BuildLimits limits;
  EXPECT_EQ(describe_limit(Limit::time, limits), "time limit (15 minutes)");
  EXPECT_EQ(describe_limit(Limit::memory, limits), "memory limit (4 GiB)");
  EXPECT_EQ(describe_limit(Limit::processes, limits), "process limit (512 processes)");
  EXPECT_EQ(describe_limit(Limit::disk, limits), "disk limit (10 GiB)");
}

TEST(Limits, DefaultWorkersFollowCoresAndMemory)
{
  constexpr std::uint64_t k_gib = 1ULL << 30;
  EXPECT_EQ(default_worker_count(2, 23 * k_gib, 4 * k_gib), 2) << "cores bound it";
  EXPECT_EQ(default_worker_count(16, 8 * k_gib, 4 * k_gib), 2) << "memory bounds it";
  EXPECT_EQ(default_worker_count(4, 2 * k_gib, 4 * k_gib), 1) << "never below one";
  EXPECT_EQ(default_worker_count(0, 0, 4 * k_gib), 1);
  EXPECT_EQ(default_worker_count(8, 1 * k_gib, 0), 8) << "no memory limit: cores alone";
  EXPECT_EQ(default_worker_count(512, 4096 * k_gib, 1 * k_gib), 64)
    << "as many as --workers allows";
  EXPECT_GE(machine_worker_count(4 * k_gib), 1);
}

TEST(BuildInfo, WritesWhatWasFoundAndMeasured)
{
  BuildInfo info;
  EXPECT_EQ(to_json(info), R"({"durationsMs":{}})");
  info.framework = "vite";
  info.package_manager = "npm";
  info.node_version = "20.20.2";
  info.npm_version = "11.19.1";
  info.install_command = "npm ci";
  info.dependency_cache = "hit";
  info.set_duration("clone", 120);
  info.set_duration("install", 900);
  info.set_duration("clone", 125);
  info.add_duration("commands", 700);
  info.add_duration("commands", 40);
  EXPECT_EQ(to_json(info),
            R"({"framework":"vite","packageManager":"npm","node":"20.20.2","npm":"11.19.1",)"
            R"("installCommand":"npm ci","dependencyCache":"hit",)"
            R"("durationsMs":{"clone":125,"install":900,"commands":740}})");
}

} // namespace reactor::builder
