#include "reactor/acme/schedule.hpp"
#include "reactor/acme/solvers.hpp"

#include <gtest/gtest.h>

namespace reactor::acme {
namespace {

constexpr std::int64_t k_minute = 60'000;
constexpr std::int64_t k_hour = 60 * k_minute;

TEST(AcmeSchedule, RenewsTwoThirdsThroughTheLifetime)
{
  EXPECT_EQ(renewal_time_ms(0, 90 * k_minute), 60 * k_minute);
  EXPECT_EQ(renewal_time_ms(1000, 1000 + 3 * k_hour), 1000 + 2 * k_hour);
}

TEST(AcmeSchedule, BackoffDoublesFromOneMinute)
{
  auto first = after_failure({}, 0);
  EXPECT_EQ(first.failures_ms, std::vector<std::int64_t>{ 0 });
  EXPECT_EQ(first.next_attempt_ms, k_minute);
  auto second = after_failure(first.failures_ms, k_minute);
  EXPECT_EQ(second.next_attempt_ms, 3 * k_minute);
}

TEST(AcmeSchedule, NeverMoreThanThreeFailedOrdersInAnyHour)
{
  // Failing at every moment the schedule allows, over six hours.
  std::vector<std::int64_t> failures;
  std::vector<std::int64_t> attempts;
  std::int64_t now = 0;
  while (now < 6 * k_hour) {
    attempts.push_back(now);
    auto backoff = after_failure(failures, now);
    EXPECT_GT(backoff.next_attempt_ms, now);
    failures = backoff.failures_ms;
    now = backoff.next_attempt_ms;
  }
  for (std::size_t i = k_failures_per_hour; i < attempts.size(); ++i) {
    EXPECT_GE(attempts[i] - attempts[i - k_failures_per_hour], k_hour) << "attempt " << i;
  }
}

TEST(AcmeSchedule, TheDelayStopsGrowingAtADay)
{
  std::vector<std::int64_t> failures;
  std::int64_t now = 0;
  for (int i = 0; i < 20; ++i) {
    auto backoff = after_failure(failures, now);
    EXPECT_LE(backoff.next_attempt_ms - now, 24 * k_hour);
    failures = backoff.failures_ms;
    now = backoff.next_attempt_ms;
  }
  EXPECT_LE(failures.size(), 12U);
}

TEST(AcmeDns01, TxtValueIsBase64urlSha256OfKeyAuthorization)
{
  // printf 'token.thumbprint' | openssl dgst -sha256 -binary | basenc --base64url, unpadded
  EXPECT_EQ(dns01_value("token.thumbprint"), "61rBZ_4knHblO0MNoxFsXZ_eTFUHum0B6IVRbhvUn5I");
}

} // namespace
} // namespace reactor::acme
