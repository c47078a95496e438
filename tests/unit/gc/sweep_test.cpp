// The garbage sweep against every object store backend, with a real SQLite metadata store.
#include "reactor/gc/metrics.hpp"
#include "reactor/gc/sweep.hpp"
#include "reactor/objects/local/local_store.hpp"
#include "reactor/objects/manifest.hpp"
#include "reactor/objects/s3/s3_store.hpp"
#include "reactor/store/sqlite/sqlite_store.hpp"
#include "reactor/util/sha256.hpp"

#include <gtest/gtest.h>

#include "support/s3.hpp"
#include "support/temp_dir.hpp"
#include <set>

namespace reactor::gc {

namespace {

using namespace std::chrono_literals;

enum class Backend
{
  local,
  s3,
};

std::string
backend_name(const ::testing::TestParamInfo<Backend>& info)
{
  return info.param == Backend::local ? "local" : "s3";
}

class SweepSuite : public ::testing::TestWithParam<Backend>
{
protected:
  void SetUp() override
  {
    auto metadata = store::sqlite::create_store(m_scratch.path() / "reactor.db");
    ASSERT_TRUE(metadata.has_value()) << metadata.error().message;
    m_store = std::move(*metadata);
    if (GetParam() == Backend::local) {
      auto objects = objects::local::create_store(m_scratch.path() / "objects");
      ASSERT_TRUE(objects.has_value()) << objects.error().message;
      m_objects = std::move(*objects);
      return;
    }
    const auto base = testing::test_s3_url();
    ASSERT_TRUE(base.has_value()) << testing::k_run_under_with_s3;
    auto objects = objects::s3::create_store(testing::unique_s3_url(
      *base, ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    ASSERT_TRUE(objects.has_value()) << objects.error().message;
    m_objects = std::move(*objects);
  }

  store::MetadataStore& metadata() { return *m_store; }
  objects::ObjectStore& objects() { return *m_objects; }

  // A blob with this content; returns its hash.
  std::string blob(const std::string& content)
  {
    const auto hash = util::sha256_hex(content);
    EXPECT_TRUE(objects().put(objects::blob_key(hash), content).has_value());
    return hash;
  }

  void manifest(const std::string& id, const std::vector<std::string>& hashes)
  {
    objects::Manifest manifest{ id, {} };
    for (const auto& hash : hashes) {
      manifest.files.emplace(hash + ".txt",
                             objects::ManifestEntry{ hash, 1, "text/plain", {}, {} });
    }
    ASSERT_TRUE(objects().put(objects::manifest_key(id), objects::to_json(manifest)).has_value());
  }

  // Creates the deployment and takes it to `status` the way a worker would.
  void deployment(const std::string& id, core::Status status)
  {
    core::Deployment deployment;
    deployment.id = id;
    deployment.repo_url = "https://example.com/site.git";
    ASSERT_TRUE(metadata().create_deployment(deployment).has_value());
    auto job = metadata().lease_job(60s);
    ASSERT_TRUE(job.has_value() && job->has_value());
    if (status == core::Status::in_progress) {
      ASSERT_TRUE(metadata().update_status({ .deployment_id = id, .status = status }).value());
      return;
    }
    ASSERT_TRUE(metadata().finish_job(**job, { .deployment_id = id, .status = status }).value());
  }

  std::set<std::string> keys()
  {
    std::set<std::string> keys;
    for (const auto* prefix : { "blobs/", "manifests/" }) {
      const auto listed = objects().list(prefix);
      EXPECT_TRUE(listed.has_value()) << listed.error().message;
      for (const auto& object : listed.value_or(std::vector<objects::ObjectInfo>{})) {
        keys.insert(object.key);
      }
    }
    return keys;
  }

  SweepReport sweep(std::chrono::seconds grace, bool dry_run = false, bool requested = false)
  {
    auto report =
      sweep_objects(metadata(),
                    objects(),
                    { .grace = grace, .dry_run = dry_run, .grace_only_while_building = requested });
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report.value_or(SweepReport{});
  }

private:
  testing::TempDir m_scratch;
  std::unique_ptr<store::MetadataStore> m_store;
  std::unique_ptr<objects::ObjectStore> m_objects;
};

} // namespace

TEST_P(SweepSuite, DeletesWhatNoLiveManifestReferencesAndSparesTheRest)
{
  const auto shared = blob("shared by both sites");
  const auto kept_only = blob("only the kept site");
  const auto deleted_only = blob("only the deleted site");
  const auto failed_only = blob("only the failed publish");
  const auto building_only = blob("only the build in progress");
  blob("uploaded by a publish that crashed"); // an orphan: no manifest names it

  deployment("kept000001", core::Status::deployed);
  manifest("kept000001", { shared, kept_only });
  deployment("gone000001", core::Status::deployed);
  manifest("gone000001", { shared, deleted_only });
  ASSERT_EQ(metadata().delete_deployment("gone000001").value(), store::DeleteOutcome::deleted);
  deployment("fail000001", core::Status::error);
  manifest("fail000001", { failed_only });
  deployment("build00001", core::Status::in_progress);
  manifest("build00001", { building_only });
  const auto all = keys();
  ASSERT_EQ(all.size(), 10u);

  // Everything is younger than an hour: a build may still be publishing it.
  const auto young = sweep(1h);
  EXPECT_EQ(young.blobs_deleted, 0u);
  EXPECT_EQ(young.manifests_deleted, 0u);
  EXPECT_EQ(keys(), all);

  const auto dry = sweep(0s, true);
  EXPECT_EQ(dry.blobs_deleted, 3u);
  EXPECT_EQ(dry.manifests_deleted, 2u);
  EXPECT_EQ(keys(), all);

  const auto deleted_before = gc::metrics().blobs_deleted.value();
  const auto report = sweep(0s);
  EXPECT_EQ(report.blobs_deleted, 3u);
  EXPECT_EQ(report.manifests_deleted, 2u);
  EXPECT_EQ(report.blobs_kept, 3u);
  EXPECT_EQ(report.bytes_freed,
            std::string("only the deleted site").size() +
              std::string("only the failed publish").size() +
              std::string("uploaded by a publish that crashed").size());
  EXPECT_EQ(gc::metrics().blobs_deleted.value(), deleted_before + 3);
  EXPECT_EQ(keys(),
            (std::set<std::string>{ objects::blob_key(shared),
                                    objects::blob_key(kept_only),
                                    objects::blob_key(building_only),
                                    objects::manifest_key("kept000001"),
                                    objects::manifest_key("build00001") }));

  // A second sweep, or one in another process at the same time, finds nothing more.
  EXPECT_EQ(sweep(0s).blobs_deleted, 0u);
}

TEST_P(SweepSuite, KeepsAVariantsRecordAsLongAsItsBlob)
{
  const auto kept = blob("served by a site");
  const auto orphan = blob("served by nothing");
  for (const auto& hash : { kept, orphan }) {
    ASSERT_TRUE(objects().put(objects::variants_key(hash), "").has_value());
  }
  deployment("kept000002", core::Status::deployed);
  manifest("kept000002", { kept });
  EXPECT_EQ(sweep(0s).blobs_deleted, 2u);
  EXPECT_EQ(keys(),
            (std::set<std::string>{ objects::blob_key(kept),
                                    objects::variants_key(kept),
                                    objects::manifest_key("kept000002") }));
}

TEST_P(SweepSuite, AnOperatorsSweepFreesADeletedSitesBlobsAtOnceWhileNoBuildIsInFlight)
{
  const auto kept_only = blob("only the kept site");
  const auto deleted_only = blob("only the deleted site");
  deployment("kept000001", core::Status::deployed);
  manifest("kept000001", { kept_only });
  deployment("gone000001", core::Status::deployed);
  manifest("gone000001", { deleted_only });
  ASSERT_EQ(metadata().delete_deployment("gone000001").value(), store::DeleteOutcome::deleted);
  core::Deployment queued;
  queued.id = "queued0001";
  queued.repo_url = "https://example.com/site.git";
  ASSERT_TRUE(metadata().create_deployment(queued).has_value());
  const auto all = keys();

  // A queued build may yet publish relying on a young blob, the deleted site's included.
  EXPECT_EQ(sweep(1h, false, true).blobs_deleted, 0u);
  EXPECT_EQ(keys(), all);

  auto job = metadata().lease_job(60s);
  ASSERT_TRUE(job.has_value() && job->has_value());
  ASSERT_TRUE(
    metadata()
      .finish_job(**job, { .deployment_id = "queued0001", .status = core::Status::canceled })
      .value());
  // The periodic sweep keeps the grace even with nothing in flight.
  EXPECT_EQ(sweep(1h).blobs_deleted, 0u);
  EXPECT_EQ(keys(), all);

  const auto report = sweep(1h, false, true);
  EXPECT_EQ(report.blobs_deleted, 1u);
  EXPECT_EQ(report.manifests_deleted, 1u);
  EXPECT_EQ(report.blobs_kept, 1u);
  EXPECT_EQ(
    keys(),
    (std::set<std::string>{ objects::blob_key(kept_only), objects::manifest_key("kept000001") }));
}

TEST_P(SweepSuite, RefusesToDeleteWhenAManifestCannotBeRead)
{
  const auto orphan = blob("orphan");
  deployment("bad0000001", core::Status::deployed);
  ASSERT_TRUE(objects().put(objects::manifest_key("bad0000001"), "not json").has_value());
  auto report = sweep_objects(metadata(), objects(), { .grace = 0s, .dry_run = false });
  EXPECT_FALSE(report.has_value());
  EXPECT_EQ(objects().exists(objects::blob_key(orphan)), true);
}

INSTANTIATE_TEST_SUITE_P(Local, SweepSuite, ::testing::Values(Backend::local), backend_name);
INSTANTIATE_TEST_SUITE_P(S3, SweepSuite, ::testing::Values(Backend::s3), backend_name);

} // namespace reactor::gc
