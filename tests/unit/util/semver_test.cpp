#include "reactor/util/semver.hpp"

#include <gtest/gtest.h>

namespace reactor::util::semver {

namespace {

bool
matches(std::string_view range, std::string_view version)
{
  auto parsed = parse_range(range);
  EXPECT_TRUE(parsed) << range << ": " << parsed.error().message;
  const auto v = parse_version(version);
  EXPECT_TRUE(v) << version;
  return parsed && v && satisfies(*v, *parsed);
}

} // namespace

TEST(Semver, ParsesVersions)
{
  EXPECT_EQ(to_string(*parse_version("v18.20.4")), "18.20.4");
  EXPECT_EQ(to_string(*parse_version("1.0.0-rc.1+build")), "1.0.0-rc.1");
  EXPECT_FALSE(parse_version("18"));
  EXPECT_FALSE(parse_version("18.x.1"));
  EXPECT_FALSE(parse_version("1.2.3.4"));
  EXPECT_FALSE(parse_version(""));
  EXPECT_LT(*parse_version("1.0.0-rc.1"), *parse_version("1.0.0"));
  EXPECT_LT(*parse_version("9.9.9"), *parse_version("10.0.0"));
}

TEST(Semver, MatchesRangesAsNpmDoes)
{
  const std::tuple<const char*, const char*, bool> cases[] = {
    { "18", "18.20.8", true },
    { "18", "19.0.0", false },
    { "18.x", "18.0.0", true },
    { "18.20", "18.21.0", false },
    { "*", "0.0.1", true },
    { "", "4.0.0", true },
    { "^18.17.0 || >=20.5.0", "18.16.0", false },
    { "^18.17.0 || >=20.5.0", "18.17.1", true },
    { "^18.17.0 || >=20.5.0", "19.0.0", false },
    { "^18.17.0 || >=20.5.0", "26.0.0", true },
    { "^0.2.3", "0.2.9", true },
    { "^0.2.3", "0.3.0", false },
    { "^0.0.3", "0.0.4", false },
    { "~1.2.3", "1.2.9", true },
    { "~1.2.3", "1.3.0", false },
    { "~1", "1.9.0", true },
    { ">=14 <17", "16.20.2", true },
    { ">= 14 < 17", "17.0.0", false },
    { ">16", "16.9.0", false },
    { ">16", "17.0.0", true },
    { ">16.1.2", "16.1.3", true },
    { "<=16", "16.9.9", true },
    { "<=16", "17.0.0", false },
    { "<16", "16.0.0", false },
    { "1.2 - 2.3.4", "2.3.4", true },
    { "1.2 - 2.3.4", "2.3.5", false },
    { "1.2.3 - 2", "2.9.9", true },
    { "1.2.3 - 2", "1.2.2", false },
    { "=20.11.1", "20.11.1", true },
    { "v20.11.1", "20.11.2", false },
    { "6 >=6.2.0 || 8 || >=9.3.0", "8.1.0", true },
    { "6 >=6.2.0 || 8 || >=9.3.0", "6.1.0", false },
  };
  for (const auto& [range, version, expected] : cases) {
    EXPECT_EQ(matches(range, version), expected) << range << " ? " << version;
  }
  EXPECT_FALSE(satisfies(*parse_version("20.0.0-rc.1"), *parse_range("*")));
}

TEST(Semver, RefusesWhatIsNotARange)
{
  for (const char* text : { "latest",
                            "lts/*",
                            "https://x/y.tgz",
                            "1.2.3.4",
                            "!1",
                            "1 - ",
                            "18.",
                            "^",
                            "1.x.y",
                            "\x01" }) {
    EXPECT_FALSE(parse_range(text)) << text;
  }
  EXPECT_FALSE(parse_range(std::string(300, '1')));
}

TEST(Semver, PicksTheHighestSatisfyingVersion)
{
  const std::vector<Version> versions{ *parse_version("18.9.1"),
                                       *parse_version("18.20.8"),
                                       *parse_version("18.20.4"),
                                       *parse_version("20.1.0") };
  EXPECT_EQ(to_string(*highest_satisfying(versions, *parse_range("18"))), "18.20.8");
  EXPECT_FALSE(highest_satisfying(versions, *parse_range("16")));
}

} // namespace reactor::util::semver
