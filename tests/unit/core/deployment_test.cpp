#include "reactor/core/build_settings.hpp"
#include "reactor/core/deployment.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace reactor::core {

TEST(Status, RoundTripsThroughWireNames)
{
  for (auto status : { Status::pending,
                       Status::in_progress,
                       Status::deployed,
                       Status::error,
                       Status::canceled }) {
    EXPECT_EQ(parse_status(to_string(status)), status);
  }
  EXPECT_EQ(to_string(Status::in_progress), "IN_PROGRESS");
  EXPECT_EQ(parse_status("deployed"), std::nullopt);
}

TEST(Status, OnlyOutcomesAreFinal)
{
  EXPECT_FALSE(is_final(Status::pending));
  EXPECT_FALSE(is_final(Status::in_progress));
  EXPECT_TRUE(is_final(Status::deployed));
  EXPECT_TRUE(is_final(Status::error));
  EXPECT_TRUE(is_final(Status::canceled));
}

TEST(Phase, NoneIsEmpty)
{
  EXPECT_EQ(to_string(Phase::none), "");
  EXPECT_EQ(parse_phase("building"), Phase::building);
  EXPECT_EQ(parse_phase("compiling"), std::nullopt);
}

TEST(InputsDigest, TheSameSettingsAndVariablesInAnyOrderAreTheSameInputs)
{
  Deployment first{ .settings = { .build_command = "npm run build" } };
  first.env = { { .name = "A", .sealed = "sealed-a" }, { .name = "B", .sealed = "sealed-b" } };
  Deployment second = first;
  second.id = "other";
  second.branch = "feature"; // where it goes is no input
  std::ranges::reverse(second.env);
  EXPECT_EQ(inputs_digest(first), inputs_digest(second));

  Deployment changed = first;
  changed.env[1].sealed = "sealed-b2";
  EXPECT_NE(inputs_digest(changed), inputs_digest(first));
  changed = first;
  changed.settings.output_dir = "build";
  EXPECT_NE(inputs_digest(changed), inputs_digest(first));
  changed = first;
  changed.from_fork = true;
  EXPECT_NE(inputs_digest(changed), inputs_digest(first));
}

} // namespace reactor::core
