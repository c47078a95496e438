#include "reactor/api/deployment_json.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <vector>

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
    deployment_json(deployment, "http://{id}.localhost", {}, store::QueuePlace{ 2, 1 });
  EXPECT_EQ(queued.at("queuePosition").as_int64(), 2);
  EXPECT_EQ(queued.at("queueReason").as_string(),
            "waiting for a free worker (1 build running, 1 deployment ahead)");
  const auto building = deployment_json(deployment, "http://{id}.localhost", {});
  EXPECT_TRUE(building.at("queuePosition").is_null());
  EXPECT_TRUE(building.at("queueReason").is_null());
}

TEST(DeploymentJson, ListsTheAliasesThatServeIt)
{
  core::Deployment deployment;
  deployment.id = "abc123xyz0";
  const std::vector<store::Alias> aliases{
    { .label = "shop", .branch = "", .deployment_id = "abc123xyz0" },
    { .label = "shop--main", .branch = "main", .deployment_id = "abc123xyz0" },
    { .label = "shop--next", .branch = "next", .deployment_id = "other12345" },
  };
  const auto json = deployment_json(deployment, "https://{id}.example.com", aliases);
  EXPECT_EQ(json.at("url").as_string(), "https://abc123xyz0.example.com");
  EXPECT_EQ(boost::json::serialize(json.at("aliases")),
            R"([{"label":"shop","url":"https://shop.example.com"},)"
            R"({"label":"shop--main","url":"https://shop--main.example.com"}])");
}

} // namespace reactor::api
