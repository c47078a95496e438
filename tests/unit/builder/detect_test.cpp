#include "reactor/builder/detect.hpp"
#include "reactor/builder/plan_settings.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
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
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// detect_build then apply_settings, as the pipeline does.
util::Result<BuildPlan>
plan_for(const std::filesystem::path& dir, const core::BuildSettings& settings = {})
{
  auto plan = detect_build(dir, settings.root_dir);
  if (!plan) {
    return plan;
  }
  return apply_settings(std::move(*plan), settings);
}

const std::string k_bun = std::string(k_bun_prefix) + "/bin/bun";

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
      { "CI=false", "PUBLIC_URL=/", "NODE_OPTIONS=--openssl-legacy-provider" } },
    { "create-react-app 5",
      R"({"dependencies":{"react-scripts":"^5.0.1"},"scripts":{"build":"react-scripts build"}})",
      { "package-lock.json" },
      "create-react-app",
      PackageManager::npm,
      { "npm", "ci" },
      { "npm", "run", "build" },
      { "build" },
      { "CI=false", "PUBLIC_URL=/" } },
    { "create-react-app of an unknown version",
      R"({"dependencies":{"react-scripts":"latest"},"scripts":{"build":"react-scripts build"}})",
      {},
      "create-react-app",
      PackageManager::npm,
      { "npm", "install" },
      { "npm", "run", "build" },
      { "build" },
      { "CI=false", "PUBLIC_URL=/", "NODE_OPTIONS=--openssl-legacy-provider" } },
    { "vite without lockfile",
      R"({"devDependencies":{"vite":"^5.0.0"},"scripts":{"build":"vite build"}})",
      {},
      "vite",
      PackageManager::npm,
      { "npm", "install" },
      { "npm", "run", "build" },
      { "dist" },
      {} },
    { "vite with yarn classic",
      R"({"devDependencies":{"vite":"^5.0.0"},"scripts":{"build":"vite build"}})",
      { "yarn.lock" },
      "vite",
      PackageManager::yarn,
      { "corepack", "yarn", "install", "--frozen-lockfile" },
      { "corepack", "yarn", "run", "build" },
      { "dist" },
      {} },
    { "pnpm lockfile without packageManager",
      R"({"devDependencies":{"vite":"^5.0.0"},"scripts":{"build":"vite build"}})",
      { "pnpm-lock.yaml" },
      "vite",
      PackageManager::pnpm,
      { "corepack", "pnpm@9", "install", "--frozen-lockfile" },
      { "corepack", "pnpm@9", "run", "build" },
      { "dist" },
      {} },
    { "bun, fetched from its npm package",
      R"({"scripts":{"build":"node build.js"}})",
      { "bun.lockb" },
      "other",
      PackageManager::bun,
      { k_bun, "install", "--frozen-lockfile" },
      { k_bun, "run", "build" },
      { "dist", "build", "out" },
      {} },
    { "packageManager field without lockfile",
      R"({"packageManager":"pnpm@9.1.0+sha256.abc","scripts":{"build":"tsc"}})",
      {},
      "other",
      PackageManager::pnpm,
      { "corepack", "pnpm@9.1.0", "install" },
      { "corepack", "pnpm@9.1.0", "run", "build" },
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
    EXPECT_EQ(plan->install_dir, "");
    EXPECT_EQ(plan->lockfile, c.lockfiles.empty() ? "" : c.lockfiles.front());
  }
}

TEST(Detect, LeavesOutTheOpenSslFlagOnOldNode)
{
  testing::TempDir dir;
  write(dir.path() / "package.json",
        R"({"dependencies":{"react-scripts":"4.0.3"},"scripts":{"build":"react-scripts build"}})");
  const auto plan = detect_build(dir.path(), "", 16);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->build_env, (Strings{ "CI=false", "PUBLIC_URL=/" }));
}

TEST(Detect, NotesAHomepageThatPublicUrlOverrides)
{
  testing::TempDir dir;
  write(dir.path() / "package.json",
        R"({"homepage":"https://me.github.io/app","dependencies":{"react-scripts":"5.0.1"},
            "scripts":{"build":"react-scripts build"}})");
  const auto plan = detect_build(dir.path());
  ASSERT_TRUE(plan.has_value());
  ASSERT_EQ(plan->notes.size(), 1u);
  EXPECT_NE(plan->notes[0].find("https://me.github.io/app"), std::string::npos);
  EXPECT_NE(plan->notes[0].find("PUBLIC_URL=/"), std::string::npos);
}

TEST(Detect, TellsYarnBerryFromClassicAndPicksItsVersion)
{
  testing::TempDir dir;
  write(dir.path() / "package.json", R"({"scripts":{"build":"vite build"}})");
  write(dir.path() / "yarn.lock",
        "# This file is generated by running \"yarn install\"\n\n"
        "__metadata:\n  version: 6\n  cacheKey: 8\n");
  auto plan = detect_build(dir.path());
  ASSERT_TRUE(plan.has_value());
  EXPECT_TRUE(plan->yarn_berry);
  EXPECT_EQ(plan->install_command, (Strings{ "corepack", "yarn@3", "install", "--immutable" }));

  write(dir.path() / ".yarnrc.yml", "yarnPath: .yarn/releases/yarn-4.1.0.cjs\n");
  plan = detect_build(dir.path());
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->install_command, (Strings{ "corepack", "yarn", "install", "--immutable" }));

  write(dir.path() / "package.json",
        R"({"packageManager":"yarn@4.5.0","scripts":{"build":"vite build"}})");
  plan = detect_build(dir.path());
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->install_command, (Strings{ "corepack", "yarn@4.5.0", "install", "--immutable" }));
  EXPECT_EQ(plan->package_manager_version, "4.5.0");
}

TEST(Detect, PicksPnpmByLockfileVersion)
{
  testing::TempDir dir;
  write(dir.path() / "package.json", R"({"scripts":{"build":"vite build"}})");
  for (const auto& [lockfile, version] :
       std::vector<std::pair<std::string, std::string>>{ { "lockfileVersion: '6.0'\n", "8" },
                                                         { "lockfileVersion: '9.0'\n", "9" },
                                                         { "lockfileVersion: 5.4\n", "7" },
                                                         { "lockfileVersion: 5.3\n", "6" } }) {
    write(dir.path() / "pnpm-lock.yaml", lockfile);
    const auto plan = detect_build(dir.path());
    ASSERT_TRUE(plan.has_value());
    EXPECT_EQ(plan->package_manager_version, version) << lockfile;
  }
}

TEST(Detect, PicksPnpm10ForAWorkspaceFileWithoutPackages)
{
  testing::TempDir dir;
  write(dir.path() / "package.json", R"({"scripts":{"build":"vite build"}})");
  write(dir.path() / "pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
  write(dir.path() / "pnpm-workspace.yaml", "onlyBuiltDependencies:\n  - esbuild\n");
  EXPECT_EQ(detect_build(dir.path())->package_manager_version, "10");
  write(dir.path() / "pnpm-workspace.yaml", "# apps\npackages:\n  - apps/*\n");
  EXPECT_EQ(detect_build(dir.path())->package_manager_version, "9");
  write(dir.path() / "package.json",
        R"({"packageManager":"pnpm@9.15.0","scripts":{"build":"vite build"}})");
  write(dir.path() / "pnpm-workspace.yaml", "onlyBuiltDependencies:\n  - esbuild\n");
  EXPECT_EQ(detect_build(dir.path())->package_manager_version, "9.15.0")
    << "packageManager comes first";
}

TEST(Detect, ThePackageManagerSettingReplacesTheProjects)
{
  testing::TempDir dir;
  write(dir.path() / "package.json",
        R"({"packageManager":"pnpm@9.15.0","scripts":{"build":"vite build"}})");
  write(dir.path() / "pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
  auto plan = detect_build(dir.path(), "", 20, "pnpm@10.4.1");
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->install_command,
            (Strings{ "corepack", "pnpm@10.4.1", "install", "--frozen-lockfile" }));

  plan = detect_build(dir.path(), "", 20, "npm");
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->package_manager, PackageManager::npm);
  EXPECT_EQ(plan->install_command, (Strings{ "npm", "install" })) << "pnpm's lockfile is not npm's";
  EXPECT_TRUE(plan->lockfile.empty());
}

TEST(Detect, PinsTheReleaseFromTheSharedCorepackHome)
{
  testing::TempDir dir;
  write(dir.path() / "package.json", R"({"scripts":{"build":"vite build"}})");
  write(dir.path() / "pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
  auto plan = detect_build(dir.path());
  ASSERT_TRUE(plan.has_value());
  pin_package_manager(*plan, "9.15.9");
  EXPECT_EQ(plan->install_command,
            (Strings{ "corepack", "pnpm@9.15.9", "install", "--frozen-lockfile" }));
  EXPECT_EQ(plan->build_command, (Strings{ "corepack", "pnpm@9.15.9", "run", "build" }));
  EXPECT_TRUE(plan->setup_command.empty()) << "nothing to download in the install phase";
  EXPECT_EQ(plan->package_manager_version, "9.15.9");
}

TEST(Detect, FindsEachFrameworksOutputFolder)
{
  const std::vector<std::tuple<std::string, std::string, std::string>> cases{
    { "@react-router/dev", "react-router", "build/client" },
    { "@remix-run/dev", "remix", "build/client" },
    { "gatsby", "gatsby", "public" },
    { "@docusaurus/core", "docusaurus", "build" },
    { "astro", "astro", "dist" },
  };
  for (const auto& [dependency, framework, output] : cases) {
    testing::TempDir dir;
    write(dir.path() / "package.json",
          R"({"devDependencies":{")" + dependency +
            R"(":"1","vite":"5"},"scripts":{"build":"x"}})");
    const auto plan = detect_build(dir.path());
    ASSERT_TRUE(plan.has_value()) << dependency;
    EXPECT_EQ(plan->framework, framework);
    EXPECT_EQ(plan->output_dirs, Strings{ output }) << dependency;
  }
}

TEST(Detect, NextJsOnlyAsAStaticExport)
{
  testing::TempDir dir;
  write(dir.path() / "package.json",
        R"({"dependencies":{"next":"15"},"scripts":{"build":"next build"}})");
  auto plan = detect_build(dir.path());
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().fault, util::Fault::user);
  EXPECT_NE(plan.error().message.find("add output: 'export'"), std::string::npos);

  write(dir.path() / "next.config.mjs", "export default {\n  output: \"export\",\n};\n");
  plan = detect_build(dir.path());
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->framework, "nextjs");
  EXPECT_EQ(plan->output_dirs, Strings{ "out" });

  write(dir.path() / "next.config.mjs",
        "const config = { distDir: 'site', 'output': 'export' };\nexport default config;\n");
  EXPECT_EQ(detect_build(dir.path())->output_dirs, Strings{ "site" });
}

TEST(Detect, SetsUpBunFromNpm)
{
  testing::TempDir dir;
  write(dir.path() / "package.json", R"({"packageManager":"bun@1.1.3","scripts":{"build":"x"}})");
  write(dir.path() / "bun.lock", "{}");
  const auto plan = detect_build(dir.path());
  ASSERT_TRUE(plan.has_value());
  ASSERT_FALSE(plan->setup_command.empty());
  EXPECT_EQ(plan->setup_command.front(), "npm");
  EXPECT_EQ(plan->setup_command.back(), "bun@1.1.3");
  EXPECT_EQ(plan->env,
            (Strings{ "PATH=" + std::string(k_bun_prefix) + "/bin:/usr/local/bin:/usr/bin:/bin" }));
}

TEST(Detect, InstallsAMonorepoAppFromItsWorkspaceRoot)
{
  testing::TempDir dir;
  write(dir.path() / "package.json",
        R"({"private":true,"workspaces":["apps/*"],"packageManager":"pnpm@8.15.0",
            "scripts":{"postinstall":"node gen.js","prepare":"husky"}})");
  write(dir.path() / "pnpm-lock.yaml", "lockfileVersion: '6.0'\n");
  write(dir.path() / "apps/web/package.json",
        R"({"devDependencies":{"vite":"^5"},"scripts":{"build":"vite build"}})");
  const auto plan = detect_build(dir.path(), "apps/web");
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->app_dir, "apps/web");
  EXPECT_EQ(plan->install_dir, "");
  EXPECT_EQ(plan->lockfile, "pnpm-lock.yaml");
  EXPECT_EQ(plan->framework, "vite");
  EXPECT_EQ(plan->package_manager, PackageManager::pnpm);
  EXPECT_EQ(plan->package_manager_version, "8.15.0");
  EXPECT_EQ(plan->lifecycle_scripts, (Strings{ "postinstall", "prepare" }));
}

TEST(Detect, InstallsAnAppWithItsOwnLockfileInItsFolder)
{
  testing::TempDir dir;
  write(dir.path() / "package.json", R"({"name":"tools"})");
  write(dir.path() / "package-lock.json", "{}");
  write(dir.path() / "site/package.json", R"({"scripts":{"build":"node build.js"}})");
  auto plan = detect_build(dir.path(), "site");
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->install_dir, "site");
  EXPECT_EQ(plan->lockfile, "");
  EXPECT_EQ(plan->install_command, (Strings{ "npm", "install" }));

  write(dir.path() / "site/yarn.lock", "");
  plan = detect_build(dir.path(), "site");
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->install_dir, "site");
  EXPECT_EQ(plan->lockfile, "site/yarn.lock");
}

TEST(Detect, RefusesARootDirThatIsMissingOrALink)
{
  testing::TempDir dir;
  write(dir.path() / "real/package.json", R"({"scripts":{"build":"x"}})");
  std::filesystem::create_symlink("/etc", dir.path() / "etc");
  std::filesystem::create_symlink(dir.path() / "real", dir.path() / "link");
  for (const auto* root : { "missing", "etc", "link", "link/.", "real/package.json" }) {
    const auto plan = detect_build(dir.path(), root);
    ASSERT_FALSE(plan.has_value()) << root;
    EXPECT_TRUE(plan.error().message.starts_with("rootDir")) << plan.error().message;
  }
  EXPECT_TRUE(detect_build(dir.path(), "real").has_value());
}

TEST(Detect, ExplainsWhatToFix)
{
  testing::TempDir dir;
  auto plan = plan_for(dir.path());
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(plan.error().message.starts_with("No package.json at the repository root"));

  write(dir.path() / "package.json", "{ not json");
  plan = plan_for(dir.path());
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(
    plan.error().message.starts_with("package.json in the repository root is not valid JSON"))
    << plan.error().message;

  write(dir.path() / "package.json", R"({"scripts":{"start":"vite"}})");
  plan = plan_for(dir.path());
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(plan.error().message.starts_with("package.json has no \"build\" script: add one"));

  std::filesystem::remove(dir.path() / "package.json");
  std::filesystem::create_symlink("/etc/passwd", dir.path() / "package.json");
  plan = plan_for(dir.path());
  ASSERT_FALSE(plan.has_value());
  EXPECT_TRUE(plan.error().message.starts_with("No package.json"));
}

TEST(PlanSettings, OverridesCommandsOutputAndEnvironment)
{
  testing::TempDir dir;
  write(dir.path() / "package.json",
        R"({"dependencies":{"react-scripts":"4.0.3"},"scripts":{"build":"react-scripts build"}})");
  core::BuildSettings settings;
  settings.install_command = "npm install --legacy-peer-deps";
  settings.build_command = "npm run build:prod && cp _redirects build/";
  settings.output_dir = "build/site";
  settings.env = { { "REACT_APP_API", "https://api.example.com" },
                   { "NODE_OPTIONS", "--max-old-space-size=2048" },
                   { "PUBLIC_URL", "/app" } };
  const auto plan = plan_for(dir.path(), settings);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->install_command, (Strings{ "sh", "-c", "npm install --legacy-peer-deps" }));
  EXPECT_EQ(plan->build_command,
            (Strings{ "sh", "-c", "npm run build:prod && cp _redirects build/" }));
  EXPECT_EQ(display_command(plan->build_command), "npm run build:prod && cp _redirects build/");
  EXPECT_EQ(plan->output_dirs, (Strings{ "build/site" }));
  EXPECT_EQ(plan->build_env, (Strings{ "CI=false" }));
  EXPECT_EQ(plan->env,
            (Strings{ "NODE_OPTIONS=--openssl-legacy-provider --max-old-space-size=2048",
                      "PUBLIC_URL=/app",
                      "REACT_APP_API=https://api.example.com" }));
}

TEST(PlanSettings, BuildsWithoutPackageJsonWhenTheCommandIsGiven)
{
  testing::TempDir dir;
  write(dir.path() / "index.html", "<h1>static</h1>");
  core::BuildSettings settings;
  settings.build_command = "mkdir -p out && cp index.html out/";
  const auto plan = plan_for(dir.path(), settings);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->framework, "none");
  EXPECT_TRUE(plan->install_command.empty());
  EXPECT_EQ(display_command(plan->build_command), "mkdir -p out && cp index.html out/");
}

} // namespace reactor::builder
