#include "reactor/builder/worker_pool.hpp"
#include "reactor/objects/local/local_store.hpp"
#include "reactor/objects/manifest.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/fake_store.hpp"
#include "support/temp_dir.hpp"
#include <thread>

namespace reactor::builder {

namespace {

using namespace std::chrono_literals;
using core::Phase;
using core::Status;
using reactor::testing::TempDir;

class Workers : public ::testing::Test
{
protected:
  void SetUp() override
  {
    if (!testing::sandbox_available()) {
      GTEST_SKIP() << "bwrap cannot create a sandbox here";
    }
    m_objects = std::move(*objects::local::create_store(m_dir.path() / "objects"));
    m_config.work_dir = m_dir.path() / "work";
    m_config.pipeline.allow_local_repos = true;
    m_config.lease = 3s;
  }

  void add_deployment(const std::string& id, std::string_view build_js)
  {
    const auto repo = m_dir.path() / ("repo-" + id);
    testing::write_file(repo / "package.json",
                        R"({"name":"t","version":"1.0.0","scripts":{"build":"node build.js"}})");
    testing::write_file(repo / "build.js", build_js);
    testing::commit_all(repo);
    core::Deployment deployment;
    deployment.id = id;
    deployment.repo_url = "file://" + repo.string();
    static_cast<void>(m_store.create_deployment(deployment));
  }

  template<typename Predicate>
  bool wait_until(Predicate predicate, std::chrono::seconds limit)
  {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (predicate()) {
        return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return predicate();
  }

  bool building(const std::string& id) { return m_store.deployment(id).phase == Phase::building; }

  TempDir m_dir;
  testing::FakeStore m_store;
  std::unique_ptr<objects::ObjectStore> m_objects;
  WorkerConfig m_config;
};

constexpr std::string_view k_quick_build =
  "require('fs').mkdirSync('dist'); require('fs').writeFileSync('dist/index.html', 'ok');";
constexpr std::string_view k_endless_build = "setInterval(() => console.log('tick'), 100);";

} // namespace

TEST_F(Workers, RunAJobToItsFinalStatus)
{
  add_deployment("work000001", k_quick_build);
  WorkerPool pool(m_store, *m_objects, m_config);
  pool.start();
  pool.wake();
  ASSERT_TRUE(wait_until([&] { return !m_store.finished().empty(); }, 120s));
  EXPECT_EQ(m_store.finished().at(0).status, Status::deployed) << m_store.finished().at(0).error;
  EXPECT_EQ(m_store.deployment("work000001").status, Status::deployed);
  EXPECT_EQ(m_objects->exists(objects::manifest_key("work000001")), true);
  pool.stop();
}

TEST_F(Workers, KillAndAckABuildCanceledByItsUser)
{
  add_deployment("work000002", k_endless_build);
  WorkerPool pool(m_store, *m_objects, m_config);
  pool.start();
  ASSERT_TRUE(wait_until([&] { return building("work000002"); }, 120s));
  std::this_thread::sleep_for(300ms);
  m_store.set_status("work000002", Status::canceled);
  ASSERT_TRUE(wait_until([&] { return !m_store.finished().empty(); }, 10s));
  EXPECT_EQ(m_store.finished().at(0).status, Status::canceled);
  EXPECT_EQ(m_store.released(), 0);
  pool.stop();
}

TEST_F(Workers, HandRunningJobsBackOnStop)
{
  add_deployment("work000003", k_endless_build);
  WorkerPool pool(m_store, *m_objects, m_config);
  pool.start();
  ASSERT_TRUE(wait_until([&] { return building("work000003"); }, 120s));
  const auto started = std::chrono::steady_clock::now();
  pool.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(m_store.released(), 1);
  EXPECT_EQ(m_store.queued(), 1u);
  EXPECT_TRUE(m_store.finished().empty());
  EXPECT_FALSE(std::filesystem::exists(m_config.work_dir / "attempt-1" / "work000003"));
}

TEST_F(Workers, AbandonABuildWhoseLeaseWasLost)
{
  m_config.lease = 600ms;
  add_deployment("work000004", k_endless_build);
  WorkerPool pool(m_store, *m_objects, m_config);
  pool.start();
  ASSERT_TRUE(wait_until([&] { return building("work000004"); }, 120s));
  ASSERT_TRUE(std::filesystem::exists(m_config.work_dir / "attempt-1" / "work000004"));
  m_store.set_lose_leases(true);
  ASSERT_TRUE(wait_until(
    [&] { return !std::filesystem::exists(m_config.work_dir / "attempt-1" / "work000004"); }, 10s));
  pool.stop();
  EXPECT_TRUE(m_store.finished().empty());
  EXPECT_EQ(m_store.released(), 0);
  EXPECT_GE(m_store.extends(), 1);
}

} // namespace reactor::builder

namespace reactor::builder {

TEST(WorkerPoolLimits, SaysWhichLimitsApply)
{
  testing::FakeStore store;
  reactor::testing::TempDir dir;
  auto objects = objects::local::create_store(dir.path() / "objects");
  ASSERT_TRUE(objects.has_value());
  WorkerConfig config;
  config.work_dir = dir.path() / "work";
  config.use_cgroups = false;
  config.pipeline.limits.memory_bytes = 1ULL << 30;
  const WorkerPool without(store, **objects, config);
  EXPECT_EQ(without.limits_status(),
            "warning: builds run WITHOUT memory and process limits (cgroups: turned off); still "
            "limited: time 15 minutes, disk 10 GiB, output 2 GiB in 50000 files, log 10 MiB");

  config.use_cgroups = true;
  const WorkerPool with(store, **objects, config);
  if (!sandbox::open_cgroups()) {
    EXPECT_TRUE(with.limits_status().starts_with("warning: builds run WITHOUT"));
    return;
  }
  EXPECT_TRUE(with.limits_status().starts_with("build limits: memory 1 GiB, 512 processes, "))
    << with.limits_status();
  EXPECT_NE(with.limits_status().find("; cgroup v"), std::string::npos) << with.limits_status();
}

} // namespace reactor::builder
