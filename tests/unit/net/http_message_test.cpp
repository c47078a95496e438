#include "reactor/net/http_message.hpp"

#include <gtest/gtest.h>

namespace reactor::net {
namespace {

TEST(HttpMessage, MatchesAnEtagWeaklyAndNeverAnotherOne)
{
  EXPECT_TRUE(etag_matches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("\"x\", \"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("*", "\"abc\""));
  EXPECT_FALSE(etag_matches("", "\"abc\""));
  EXPECT_FALSE(etag_matches("\"abc\"", "\"abc-gz\""));
  EXPECT_FALSE(etag_matches("\"abc-gz\"", "\"abc\""));
}

} // namespace
} // namespace reactor::net
