#include "reactor/gc/retention.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace reactor::gc {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t k_hour_ms = 60LL * 60 * 1000;
constexpr std::int64_t k_now = 1'000 * k_hour_ms;

core::Deployment
built(std::string id,
      std::string project,
      std::string branch,
      std::int64_t hours_ago,
      core::Status status = core::Status::deployed)
{
  core::Deployment deployment;
  deployment.id = std::move(id);
  deployment.project = std::move(project);
  deployment.branch = std::move(branch);
  deployment.status = status;
  deployment.created_at_ms = k_now - (hours_ago * k_hour_ms);
  deployment.updated_at_ms = deployment.created_at_ms;
  return deployment;
}

TEST(Retention, KeepsAliasTargetsTheLastTenProductionBuildsAndTheSkewWindow)
{
  RetentionView view;
  view.projects.push_back(core::Project{ .name = "shop", .production_branch = "main" });
  // Newest first: 14 production builds, 1 to 14 hours old... then 300 hours old.
  for (int age = 1; age <= 14; ++age) {
    view.deployments.push_back(built("main" + std::to_string(age), "shop", "main", age));
  }
  view.deployments.push_back(built("branch", "shop", "feature", 200));
  view.deployments.push_back(built("failed", "shop", "main", 250, core::Status::error));
  view.deployments.push_back(built("skewed", "shop", "feature", 290));
  view.deployments.push_back(built("stale", "shop", "feature", 300));
  view.deployments.push_back(built("running", "gone", "main", 500, core::Status::in_progress));
  view.deployments.push_back(built("orphan", "gone", "main", 600));
  view.deployments.push_back(built("young", "gone", "main", 0));
  view.aliases["shop"] = { store::Alias{ .label = "shop--feature", .deployment_id = "branch" },
                           store::Alias{ .label = "shop", .deployment_id = "main14" } };
  view.history["shop"] = {
    store::AliasHeld{
      .label = "shop--feature", .deployment_id = "skewed", .until_ms = k_now - (100 * k_hour_ms) },
    store::AliasHeld{
      .label = "shop--feature", .deployment_id = "stale", .until_ms = k_now - (290 * k_hour_ms) },
  };

  auto removable = removable_deployments(view, k_now, 1h);
  std::ranges::sort(removable);
  // main11..main13 are beyond the ten newest, "stale" left its alias over 7 days ago.
  EXPECT_EQ(
    removable,
    (std::vector<std::string>{ "failed", "main11", "main12", "main13", "orphan", "stale" }));
}

TEST(Retention, ANoSkewProjectKeepsNoFormerTargets)
{
  RetentionView view;
  view.projects.push_back(core::Project{ .name = "shop", .skew_window_days = 0 });
  view.deployments.push_back(built("former", "shop", "feature", 5));
  view.history["shop"] = { store::AliasHeld{
    .label = "shop--feature", .deployment_id = "former", .until_ms = k_now - k_hour_ms } };
  EXPECT_EQ(removable_deployments(view, k_now, 1h), std::vector<std::string>{ "former" });
  EXPECT_TRUE(removable_deployments(view, k_now, 10h).empty()) << "within the grace";
}

} // namespace
} // namespace reactor::gc
