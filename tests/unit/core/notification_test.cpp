#include "reactor/core/notification.hpp"
#include "reactor/util/base64.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace reactor::core {
namespace {

TEST(StandardWebhooks, SignsAsTheSpecificationsTestVectorSays)
{
  // The Standard Webhooks reference libraries' test vector.
  EXPECT_EQ(standard_webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                       "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                       1614265330,
                                       R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_FALSE(standard_webhook_signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}"));
  EXPECT_FALSE(standard_webhook_signature("whsec_not*base64", "m", 1, "{}"));
  EXPECT_FALSE(standard_webhook_signature("whsec_", "m", 1, "{}"));
}

TEST(StandardWebhooks, NewSecretsCarry32RandomBytes)
{
  const auto secret = new_signing_secret();
  ASSERT_TRUE(secret.starts_with("whsec_"));
  EXPECT_EQ(util::base64_decode(secret.substr(6)).value_or("").size(), 32U);
  EXPECT_NE(secret, new_signing_secret());
}

TEST(Base64, RoundTripsEveryPaddingAndRefusesWhatIsNot)
{
  for (const std::string& bytes :
       std::vector<std::string>{ "", "a", "ab", "abc", std::string("\0\xff\x10", 3) }) {
    EXPECT_EQ(util::base64_decode(util::base64_encode(bytes)), bytes);
  }
  EXPECT_EQ(util::base64_encode("Hello, World!"), "SGVsbG8sIFdvcmxkIQ==");
  EXPECT_FALSE(util::base64_decode("abc"));
  EXPECT_FALSE(util::base64_decode("ab!="));
}

TEST(Notifications, StatusChangesAreEventsAndPhasesAfterTheFirstAreNot)
{
  const auto status = [](Status s, Phase p = Phase::none) {
    return Event{ .kind = EventKind::status, .status = s, .phase = p };
  };
  EXPECT_EQ(notification_type(status(Status::pending)), "deployment.queued");
  EXPECT_EQ(notification_type(status(Status::in_progress, Phase::cloning)), "deployment.building");
  EXPECT_EQ(notification_type(status(Status::in_progress, Phase::building)), "");
  EXPECT_EQ(notification_type(status(Status::deployed)), "deployment.ready");
  EXPECT_EQ(notification_type(status(Status::error)), "deployment.error");
  EXPECT_EQ(notification_type(status(Status::canceled)), "deployment.canceled");
  EXPECT_EQ(notification_type(Event{ .kind = EventKind::log, .line = "npm install" }), "");
}

TEST(Notifications, EndpointsGetTheEventsTheyAskedFor)
{
  NotificationEndpoint endpoint;
  EXPECT_TRUE(wants(endpoint, "deployment.ready")) << "none named: all";
  endpoint.events = split_events("deployment.ready,deployment.error");
  EXPECT_EQ(endpoint.events.size(), 2U);
  EXPECT_EQ(join_events(endpoint.events), "deployment.ready,deployment.error");
  EXPECT_TRUE(wants(endpoint, "deployment.error"));
  EXPECT_FALSE(wants(endpoint, "deployment.queued"));
  EXPECT_TRUE(split_events("").empty());
}

TEST(Notifications, BodiesCarryTypeTimestampAndTheDeployment)
{
  const Deployment deployment{ .id = "abcde12345",
                               .status = Status::deployed,
                               .commit = "c0ffee",
                               .project = "shop",
                               .branch = "main",
                               .pull_request = 3 };
  const auto json =
    boost::json::parse(
      notification_body("deployment.ready", 1764979200000, deployment, "http://abcde12345.x"))
      .as_object();
  EXPECT_EQ(json.at("type").as_string(), "deployment.ready");
  EXPECT_EQ(json.at("timestamp").as_string(), "2025-12-06T00:00:00.000Z");
  const auto& data = json.at("data").as_object();
  EXPECT_EQ(data.at("id").as_string(), "abcde12345");
  EXPECT_EQ(data.at("status").as_string(), "DEPLOYED");
  EXPECT_EQ(data.at("pullRequest").as_int64(), 3);
  EXPECT_EQ(data.at("url").as_string(), "http://abcde12345.x");
  EXPECT_TRUE(data.at("error").is_null());
}

TEST(Notifications, RetriesFollowTheScheduleThenStop)
{
  using namespace std::chrono;
  EXPECT_EQ(retry_delay(1), seconds(5));
  EXPECT_EQ(retry_delay(2), minutes(5));
  EXPECT_EQ(retry_delay(7), hours(24));
  EXPECT_FALSE(retry_delay(8));
  EXPECT_FALSE(retry_delay(0));
}

} // namespace
} // namespace reactor::core
