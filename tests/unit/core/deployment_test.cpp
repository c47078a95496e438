#include "reactor/core/deployment.hpp"

#include <gtest/gtest.h>

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

} // namespace reactor::core
