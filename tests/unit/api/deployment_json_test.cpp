#include "reactor/api/deployment_json.hpp"

#include <gtest/gtest.h>

namespace reactor::api {

TEST(DeploymentJson, SaysWhyAQueuedDeploymentWaits)
{
  EXPECT_EQ(queue_reason({ .position = 1, .running = 0 }),
            "waiting for a free worker (0 builds running)");
  EXPECT_EQ(queue_reason({ .position = 1, .running = 1 }),
            "waiting for a free worker (1 build running)");
  EXPECT_EQ(queue_reason({ .position = 3, .running = 2 }),
            "waiting for a free worker (2 builds running, 2 deployments ahead)");
  EXPECT_EQ(queue_reason({ .position = 2, .running = 2 }),
            "waiting for a free worker (2 builds running, 1 deployment ahead)");
}

TEST(DeploymentJson, ShowsThePlaceInTheQueueOnlyWhileQueued)
{
  core::Deployment deployment;
  deployment.id = "abc123xyz0";
  const auto queued =
    deployment_json(deployment, "http://abc123xyz0.localhost", store::QueuePlace{ 2, 1 });
  EXPECT_EQ(queued.at("queuePosition").as_int64(), 2);
  EXPECT_EQ(queued.at("queueReason").as_string(),
            "waiting for a free worker (1 build running, 1 deployment ahead)");
  const auto building = deployment_json(deployment, "http://abc123xyz0.localhost");
  EXPECT_TRUE(building.at("queuePosition").is_null());
  EXPECT_TRUE(building.at("queueReason").is_null());
}

} // namespace reactor::api
