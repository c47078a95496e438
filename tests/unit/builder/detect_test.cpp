#include "reactor/builder/detect.hpp"

#include <gtest/gtest.h>

#include "../util/temp_dir.hpp"
#include <fstream>

namespace reactor::builder {

namespace {

using Strings = std::vector<std::string>;

struct Case
{
  std::string name;
  std::string package_json;
  Strings lockfiles;
  std::string framework;
  PackageManager manager;
  Strings install;
  Strings build;
  Strings output_dirs;
  Strings build_env;
};

void
write(const std::filesystem::path& path, std::string_view content)
{
  std::ofstream(path, std::ios::binary) << content;
}

} // namespace

TEST(Detect, PlansEachKindOfProject)
{
  const std::vector<Case> cases{
    { "create-react-app 3 with npm lockfile",
      R"({"dependencies":{"react":"^16","react-scripts":"3.4.1"},"scripts":{"build":"react-scripts build"}})",
      { "package-lock.json" },
      "create-react-app",
      PackageManager::npm,
      { "npm", "ci" },
      { "npm", "run", "build" },
      { "build" },
      { "NODE_OPTIONS=--openssl-legacy-provider" } },
    { "create-react-app 5",
      R"({"dependencies":{"react-scripts":"^5.0.1"},"scripts":{"build":"react-scripts build"}})",
      { "package-lock.json" },
      "create-react-app",
      PackageManager::npm,
      { "npm", "ci" },
      { "npm", "run", "build" },
      { "build" },
      {} },
    { "vite without lockfile",
      R"({"devDependencies":{"vite":"^5.0.0"},"scripts":{"build":"vite build"}})",
      {},
      "vite",
      PackageManager::npm,
      { "npm", "install" },
      { "npm", "run", "build" },
      { "dist" },
      {} },
    { "vite with yarn",
      R"({"devDependencies":{"vite":"^5.0.0"},"scripts":{"build":"vite build"}})",
      { "yarn.lock" },
      "vite",
      PackageManager::yarn,
      { "corepack", "yarn", "install", "--frozen-lockfile" },
      { "corepack", "yarn", "run", "build" },
      { "dist" },
      {} },
    { "pnpm",
      R"({"devDependencies":{"vite":"^5.0.0"},"scripts":{"build":"vite build"}})",
      { "pnpm-lock.yaml" },
      "vite",
      PackageManager::pnpm,
      { "corepack", "pnpm", "install", "--frozen-lockfile" },
      { "corepack", "pnpm", "run", "build" },
      { "dist" },
      {} },
    { "bun",
      R"({"scripts":{"build":"node build.js"}})",
      { "bun.lockb" },
      "other",
      PackageManager::bun,
      { "bun", "install", "--frozen-lockfile" },
      { "bun", "run", "build" },
      { "dist", "build", "out" },
      {} },
    { "packageManager field without lockfile",
      R"({"packageManager":"pnpm@9.1.0","scripts":{"build":"tsc"}})",
      {},
      "other",
      PackageManager::pnpm,
      { "corepack", "pnpm", "install" },
      { "corepack", "pnpm", "run", "build" },
      { "dist", "build", "out" },
      {} },
    { "npm lockfile wins over yarn.lock",
      R"({"scripts":{"build":"x"}})",
      { "package-lock.json", "yarn.lock" },
      "other",
      PackageManager::npm,
      { "npm", "ci" },
      { "npm", "run", "build" },
      { "dist", "build", "out" },
      {} },
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    testing::TempDir dir;
    write(dir.path() / "package.json", c.package_json);
    for (const auto& lockfile : c.lockfiles) {
      write(dir.path() / lockfile, "");
    }
    const auto plan = detect_build(dir.path());
    ASSERT_TRUE(plan.has_value()) << plan.error().message;
    EXPECT_EQ(plan->framework, c.framework);
    EXPECT_EQ(plan->package_manager, c.manager);
    EXPECT_EQ(plan->install_command, c.install);
    EXPECT_EQ(plan->build_command, c.build);
    EXPECT_EQ(plan->output_dirs, c.output_dirs);
    EXPECT_EQ(plan->build_env, c.build_env);
  }
}

TEST(Detect, ExplainsWhatToFix)
{
  testing::TempDir dir;
  auto plan = detect_build(dir.path());
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(plan.error().message.starts_with("No package.json at the repository root"));

  write(dir.path() / "package.json", "{ not json");
  plan = detect_build(dir.path());
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(plan.error().message.starts_with("package.json is not valid JSON"));

  write(dir.path() / "package.json", R"({"scripts":{"start":"vite"}})");
  plan = detect_build(dir.path());
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(plan.error().message.starts_with("package.json has no \"build\" script: add one"));

  std::filesystem::remove(dir.path() / "package.json");
  std::filesystem::create_symlink("/etc/passwd", dir.path() / "package.json");
  plan = detect_build(dir.path());
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(plan.error().message.starts_with("No package.json"));
}

} // namespace reactor::builder
