#include "reactor/builder/pipeline.hpp"
#include "reactor/builder/sandbox/cgroup.hpp"
#include "reactor/objects/local/local_store.hpp"
#include "reactor/objects/manifest.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/fake_store.hpp"
#include "support/temp_dir.hpp"
#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace reactor::builder {

namespace {

using core::Phase;
using core::Status;
using reactor::testing::TempDir;
using testing::commit_all;
using testing::write_file;

constexpr std::string_view k_package = R"({"name":"t","version":"1.0.0","private":true,
  "scripts":{"build":"node build.js"}})";

class Pipeline : public ::testing::Test
{
protected:
  void SetUp() override
  {
    if (!testing::sandbox_available()) {
      GTEST_SKIP() << "bwrap cannot create a sandbox here";
    }
    m_objects = std::move(*objects::local::create_store(m_dir.path() / "objects"));
    m_config.allow_local_repos = true;
    m_config.clone_timeout = std::chrono::seconds(60);
    m_config.limits.timeout = std::chrono::seconds(120);
  }

  // A repository whose build runs `build_js` with node.
  std::string make_repo(std::string_view build_js, std::string_view package = k_package)
  {
    const auto repo = m_dir.path() / "repo";
    write_file(repo / "package.json", package);
    write_file(repo / "build.js", build_js);
    commit_all(repo);
    return "file://" + repo.string();
  }

  util::Result<BuildResult> deploy(const std::string& url, const std::string& id = "dep0000001")
  {
    core::Deployment deployment;
    deployment.id = id;
    deployment.repo_url = url;
    static_cast<void>(m_store.create_deployment(deployment));
    return build(id);
  }

  // Builds a deployment already in the store, as the worker's first attempt at it.
  util::Result<BuildResult> build(const std::string& id)
  {
    const auto workspace = Workspace::open(m_dir.path() / "work", id, 1);
    if (!workspace) {
      return std::unexpected(workspace.error());
    }
    return run_deployment(m_store, *m_objects, m_config, { *workspace, m_cancel, m_cgroups });
  }

  bool logged(std::string_view text)
  {
    const auto logs = m_store.logs();
    return std::ranges::any_of(logs,
                               [&](const auto& line) { return line.find(text) != line.npos; });
  }

  TempDir m_dir;
  testing::FakeStore m_store;
  std::unique_ptr<objects::ObjectStore> m_objects;
  PipelineConfig m_config;
  sandbox::Cgroups* m_cgroups = nullptr;
  std::atomic<bool> m_cancel{ false };
};

} // namespace

TEST_F(Pipeline, DeploysASite)
{
  const auto url = make_repo(R"(
const fs = require('fs');
fs.mkdirSync('dist/assets', { recursive: true });
fs.writeFileSync('dist/index.html', '<h1>deployed</h1>');
fs.writeFileSync('dist/assets/app.js', 'console.log(1)');
fs.symlinkSync('/etc/passwd', 'dist/leak');
console.log('built ok');
)");
  const auto change = deploy(url);
  ASSERT_TRUE(change.has_value()) << change.error().message;
  EXPECT_EQ(change->status, Status::deployed) << change->error;
  EXPECT_EQ(change->commit.size(), 40u);
  EXPECT_EQ(
    m_store.phases(),
    (std::vector<Phase>{ Phase::cloning, Phase::installing, Phase::building, Phase::uploading }));
  EXPECT_EQ(m_store.deployment("dep0000001").commit, change->commit);

  const auto json = m_objects->get(objects::manifest_key("dep0000001"));
  ASSERT_TRUE(json.has_value() && json->has_value());
  const auto manifest = objects::parse_manifest(**json);
  ASSERT_TRUE(manifest.has_value());
  EXPECT_EQ(manifest->files.size(), 2u);
  EXPECT_TRUE(manifest->files.contains("index.html"));
  EXPECT_TRUE(manifest->files.contains("assets/app.js"));

  EXPECT_TRUE(logged("built ok"));
  EXPECT_TRUE(logged("Detected framework other, package manager npm"));
  EXPECT_TRUE(logged("skipped symbolic link leak"));
  EXPECT_TRUE(logged("npm run build finished in"));
}

TEST_F(Pipeline, ReportsABuildFailureWithItsLastLines)
{
  const auto url = make_repo("console.error('boom: missing module'); process.exit(2);");
  const auto change = deploy(url);
  ASSERT_TRUE(change.has_value()) << change.error().message;
  EXPECT_EQ(change->status, Status::error);
  EXPECT_TRUE(change->error.starts_with("The build failed: `npm run build` exited with code"))
    << change->error;
  EXPECT_NE(change->error.find("boom: missing module"), std::string::npos);
}

TEST_F(Pipeline, ReportsAMissingOutputDirectory)
{
  const auto url = make_repo("console.log('nothing written');");
  const auto change = deploy(url);
  ASSERT_TRUE(change.has_value()) << change.error().message;
  EXPECT_EQ(change->status, Status::error);
  EXPECT_TRUE(change->error.starts_with("The build finished but wrote no dist/, build/ or out/"))
    << change->error;
}

TEST_F(Pipeline, ReportsProblemsBeforeTheBuild)
{
  const auto missing = deploy("file://" + (m_dir.path() / "none").string(), "dep0000002");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, Status::error);
  EXPECT_TRUE(missing->error.starts_with("Repository not found"));

  const auto url = make_repo("", R"({"scripts":{"start":"node x"}})");
  const auto no_build = deploy(url, "dep0000003");
  ASSERT_TRUE(no_build.has_value());
  EXPECT_EQ(no_build->status, Status::error);
  EXPECT_TRUE(no_build->error.starts_with("package.json has no \"build\" script"));
}

TEST_F(Pipeline, StopsABuildThatTakesTooLong)
{
  m_config.limits.timeout = std::chrono::seconds(8);
  const auto url = make_repo("setTimeout(() => {}, 600000);");
  const auto started = std::chrono::steady_clock::now();
  const auto change = deploy(url);
  ASSERT_TRUE(change.has_value()) << change.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(change->status, Status::error);
  EXPECT_NE(change->error.find("went over the time limit (8 seconds)"), std::string::npos)
    << change->error;
}

TEST_F(Pipeline, LeavesAFinalDeploymentAlone)
{
  core::Deployment deployment;
  deployment.id = "dep0000004";
  deployment.repo_url = "file:///nonexistent";
  static_cast<void>(m_store.create_deployment(deployment));
  m_store.set_status("dep0000004", Status::canceled);
  const auto change = build("dep0000004");
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->status, Status::canceled);
  EXPECT_TRUE(m_store.phases().empty());
  EXPECT_FALSE(change->info.has_value()) << "nothing was built";
}

} // namespace reactor::builder

namespace reactor::builder {

TEST_F(Pipeline, UsesTheDeploymentSettings)
{
  const auto repo = m_dir.path() / "mono";
  testing::write_file(repo / "package.json", R"({"private":true})");
  testing::write_file(repo / "apps/web/package.json",
                      R"({"name":"web","scripts":{"build":"node build.js"}})");
  testing::write_file(repo / "apps/web/build.js", "throw new Error('the detected build ran');");
  testing::commit_all(repo);

  core::Deployment deployment;
  deployment.id = "dep0000010";
  deployment.repo_url = "file://" + repo.string();
  deployment.settings.root_dir = "apps/web";
  deployment.settings.install_command = "echo installing in $(pwd) > installed.txt";
  deployment.settings.build_command =
    "mkdir -p site/public && cp installed.txt site/public/ && echo \"$GREETING\" > "
    "site/public/index.html";
  deployment.settings.output_dir = "site/public";
  deployment.settings.env = { { "GREETING", "hello from env" } };
  static_cast<void>(m_store.create_deployment(deployment));
  const auto change = build("dep0000010");
  ASSERT_TRUE(change.has_value()) << change.error().message;
  EXPECT_EQ(change->status, Status::deployed) << change->error;

  const auto json = m_objects->get(objects::manifest_key("dep0000010"));
  ASSERT_TRUE(json.has_value() && json->has_value());
  const auto manifest = objects::parse_manifest(**json);
  ASSERT_TRUE(manifest.has_value());
  EXPECT_EQ(manifest->files.size(), 2u);
  EXPECT_TRUE(manifest->files.contains("installed.txt"));
  const auto index = m_objects->get(objects::blob_key(manifest->files.at("index.html").hash));
  ASSERT_TRUE(index.has_value() && index->has_value());
  EXPECT_EQ(**index, "hello from env\n");
  const auto installed =
    m_objects->get(objects::blob_key(manifest->files.at("installed.txt").hash));
  EXPECT_EQ(**installed, "installing in /workspace/src/apps/web\n");

  // The phases record what is known so far; the final change carries all of it.
  EXPECT_NE(m_store.deployment("dep0000010").build_info.find(R"("rootDir":"apps/web")"),
            std::string::npos);
  ASSERT_TRUE(change->info.has_value());
  const auto& info = *change->info;
  EXPECT_EQ(info.root_dir, "apps/web");
  EXPECT_EQ(info.output_dir, "site/public");
  EXPECT_EQ(info.install_command, "echo installing in $(pwd) > installed.txt");
  EXPECT_FALSE(info.node_version.empty());
  std::vector<std::string> phases;
  phases.reserve(info.durations_ms.size());
  for (const auto& [phase, ms] : info.durations_ms) {
    phases.push_back(phase);
  }
  // "commands" (the repository's own commands' time) is first added during the install.
  EXPECT_EQ(
    phases,
    (std::vector<std::string>{ "queue", "clone", "commands", "install", "build", "upload" }));
}

TEST_F(Pipeline, NamesTheMemoryLimitWhenABuildGoesOverIt)
{
  auto cgroups = sandbox::open_cgroups();
  if (!cgroups) {
    GTEST_SKIP() << "no usable cgroups here: " << cgroups.error().message;
  }
  m_cgroups = cgroups->get();
  m_config.limits.memory_bytes = 96ULL << 20;
  const auto url = make_repo("const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));");
  const auto change = deploy(url);
  ASSERT_TRUE(change.has_value()) << change.error().message;
  EXPECT_EQ(change->status, Status::error);
  EXPECT_EQ(change->error,
            "The build went over the memory limit (96 MiB) and was stopped: make it use less "
            "memory");
}

TEST_F(Pipeline, RejectsAnOutputDirectoryThatIsALink)
{
  const auto url = make_repo("require('fs').symlinkSync('/etc', 'dist');");
  const auto change = deploy(url);
  ASSERT_TRUE(change.has_value()) << change.error().message;
  EXPECT_EQ(change->status, Status::error);
  EXPECT_TRUE(change->error.starts_with("The output directory dist/ is not a real directory"))
    << change->error;
}

} // namespace reactor::builder

namespace reactor::builder {

// An output folder Reactor cannot read is its own problem (a disk, permissions on the host),
// not the app's: the build is retried instead of ending in ERROR.
TEST_F(Pipeline, RetriesWhenItCannotReadTheOutput)
{
  const auto url = make_repo(R"(
const fs = require('fs');
fs.mkdirSync('dist');
fs.writeFileSync('dist/index.html', 'built');
fs.chmodSync('dist', 0);
)");
  const auto change = testing::without_read_override([&] { return deploy(url); });
  ASSERT_FALSE(change.has_value())
    << "a final " << core::to_string(change->status) << ": " << change->error;
  EXPECT_TRUE(change.error().retryable);
  EXPECT_EQ(change.error().fault, util::Fault::infrastructure);
  EXPECT_NE(change.error().message.find("cannot read the output directory"), std::string::npos)
    << change.error().message;
  EXPECT_FALSE(m_objects->exists(objects::manifest_key("dep0000001")).value());
}

TEST_F(Pipeline, RetriesAWebpack4BuildWithTheLegacyOpenSslProvider)
{
  const auto url = make_repo(R"(
if (!(process.env.NODE_OPTIONS || '').includes('--openssl-legacy-provider')) {
  console.error("Error: error:0308010C:digital envelope routines::unsupported");
  process.exit(1);
}
require('fs').mkdirSync('build', { recursive: true });
require('fs').writeFileSync('build/index.html', 'webpack 4');
)");
  const auto change = deploy(url);
  ASSERT_TRUE(change.has_value()) << change.error().message;
  EXPECT_EQ(change->status, Status::deployed) << change->error;
  EXPECT_TRUE(logged("building again with NODE_OPTIONS=--openssl-legacy-provider"));
}

} // namespace reactor::builder
