#include "reactor/core/node_version.hpp"

#include <gtest/gtest.h>

namespace reactor::core {

namespace {

using util::semver::parse_version;
using util::semver::Version;

std::string
picked(std::string_view request)
{
  auto parsed = parse_node_version(request);
  EXPECT_TRUE(parsed) << request;
  if (!parsed) {
    return "error";
  }
  const std::vector<Version> available{
    *parse_version("16.20.2"), *parse_version("18.20.8"), *parse_version("18.20.4"),
    *parse_version("20.20.2"), *parse_version("21.7.3"),  *parse_version("22.23.5"),
    *parse_version("23.11.1"),
  };
  const auto version = pick_node_version(*parsed, *parse_version("20.11.1"), available);
  return version ? util::semver::to_string(*version) : "none";
}

} // namespace

TEST(NodeVersion, ReadsVersionsRangesAndNvmAliases)
{
  EXPECT_EQ(picked("18\n"), "18.20.8");
  EXPECT_EQ(picked("  v18.20.4  "), "18.20.4");
  EXPECT_EQ(picked("lts/hydrogen"), "18.20.8");
  EXPECT_EQ(picked("lts/Gallium"), "16.20.2");
  EXPECT_EQ(picked("20"), "20.11.1") << "the host's Node.js when it fits";
  EXPECT_EQ(picked("20.20"), "20.20.2");
  EXPECT_EQ(picked(">=18"), "20.11.1");
  EXPECT_EQ(picked(">=21"), "22.23.5") << "the newest long-term support major";
  EXPECT_EQ(picked("21"), "21.7.3") << "an odd major when only it fits";
  EXPECT_EQ(picked("lts/*"), "20.11.1");
  EXPECT_EQ(picked("node"), "20.11.1");
  EXPECT_EQ(picked("12"), "none");
}

TEST(NodeVersion, SaysWhatItCannotRead)
{
  for (const char* text : { "", "  \n", "lts/nope", "eighteen", "18.x.y", "latest-18" }) {
    EXPECT_FALSE(parse_node_version(text)) << text;
  }
}

} // namespace reactor::core
