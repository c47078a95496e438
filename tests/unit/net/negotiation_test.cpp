#include "reactor/net/negotiation.hpp"

#include <gtest/gtest.h>

namespace reactor::net {
namespace {

TEST(Negotiation, PrefersBrotliThenGzipAndHonoursQZero)
{
  EXPECT_EQ(choose_encoding("gzip, deflate, br", true, true), Encoding::br);
  EXPECT_EQ(choose_encoding("gzip, br;q=0.5", true, true), Encoding::gzip);
  EXPECT_EQ(choose_encoding("br;q=0, gzip", true, true), Encoding::gzip);
  EXPECT_EQ(choose_encoding("gzip;q=0", true, false), Encoding::identity);
  EXPECT_EQ(choose_encoding("*", true, false), Encoding::gzip);
  EXPECT_EQ(choose_encoding("GZIP", true, false), Encoding::gzip);
  EXPECT_EQ(choose_encoding("", true, true), Encoding::identity);
  EXPECT_EQ(choose_encoding("br", true, false), Encoding::identity);
}

TEST(Negotiation, ReadsOneByteRangeAndNamesAnUnsatisfiableOne)
{
  bool unsatisfiable = false;
  const auto first = parse_range("bytes=0-9", 100, unsatisfiable);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->first, 0u);
  EXPECT_EQ(first->last, 9u);
  const auto suffix = parse_range("bytes=-10", 100, unsatisfiable);
  ASSERT_TRUE(suffix);
  EXPECT_EQ(suffix->first, 90u);
  EXPECT_EQ(suffix->last, 99u);
  EXPECT_FALSE(parse_range("bytes=0-1,5-6", 100, unsatisfiable));
  EXPECT_FALSE(unsatisfiable);
  EXPECT_FALSE(parse_range("bytes=200-", 100, unsatisfiable));
  EXPECT_TRUE(unsatisfiable);
}

TEST(Negotiation, WritesAndReadsHttpDates)
{
  EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
}

} // namespace
} // namespace reactor::net
