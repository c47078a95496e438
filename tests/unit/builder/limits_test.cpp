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
  EXPECT_EQ(to_json(info),
            R"({"framework":"vite","packageManager":"npm","node":"20.20.2","npm":"11.19.1",)"
            R"("installCommand":"npm ci","dependencyCache":"hit",)"
            R"("durationsMs":{"clone":125,"install":900}})");
}

} // namespace reactor::builder
