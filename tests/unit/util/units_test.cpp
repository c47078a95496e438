#include "reactor/util/units.hpp"

#include <gtest/gtest.h>

namespace reactor::util {

using namespace std::chrono_literals;

TEST(Units, ParsesDurations)
{
  EXPECT_EQ(parse_duration("500ms").value(), 500ms);
  EXPECT_EQ(parse_duration("20s").value(), 20s);
  EXPECT_EQ(parse_duration("20").value(), 20s);
  EXPECT_EQ(parse_duration("15m").value(), 15min);
  EXPECT_EQ(parse_duration("2h").value(), 2h);
  for (const auto* bad : { "", "m", "15 m", "15min", "-5s", "1.5s" }) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Units, ParsesSizes)
{
  EXPECT_EQ(parse_size("4096").value(), 4096u);
  EXPECT_EQ(parse_size("512K").value(), 512u << 10);
  EXPECT_EQ(parse_size("512k").value(), 512u << 10);
  EXPECT_EQ(parse_size("512M").value(), 512ULL << 20);
  EXPECT_EQ(parse_size("4G").value(), 4ULL << 30);
  EXPECT_EQ(parse_size("0").value(), 0u);
  for (const auto* bad : { "", "G", "4T", "4 G", "4GB", "-1M", "99999999999999G" }) {
    EXPECT_FALSE(parse_size(bad).has_value()) << bad;
  }
  EXPECT_EQ(parse_size("99999999999999G").error().message, "'99999999999999G' is too large");
}

TEST(Units, FormatsSizesAndDurationsForPeople)
{
  EXPECT_EQ(format_size(0), "0 bytes");
  EXPECT_EQ(format_size(1), "1 byte");
  EXPECT_EQ(format_size(512ULL << 10), "512 KiB");
  EXPECT_EQ(format_size(4ULL << 30), "4 GiB");
  EXPECT_EQ(format_size(3ULL << 29), "1.5 GiB");
  EXPECT_EQ(format_size(64ULL << 20), "64 MiB");
  EXPECT_EQ(format_duration(15min), "15 minutes");
  EXPECT_EQ(format_duration(1min), "1 minute");
  EXPECT_EQ(format_duration(90s), "90 seconds");
  EXPECT_EQ(format_duration(2h), "2 hours");
  EXPECT_EQ(format_duration(1500ms), "1500 ms");
}

TEST(Units, FormatsElapsedSecondsToATenthRoundedDown)
{
  EXPECT_EQ(format_seconds(0ms), "0.0 s");
  EXPECT_EQ(format_seconds(99ms), "0.0 s");
  EXPECT_EQ(format_seconds(12399ms), "12.3 s");
  EXPECT_EQ(format_seconds(600000ms), "600.0 s");
  EXPECT_EQ(format_seconds(-5ms), "0.0 s");
}

} // namespace reactor::util
