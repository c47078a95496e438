#include "reactor/util/text.hpp"

#include <gtest/gtest.h>

namespace reactor::util {
namespace {

TEST(Text, LowercasesAsciiOnly)
{
  EXPECT_EQ(ascii_lowercase("Content-TYPE"), "content-type");
  EXPECT_EQ(ascii_lowercase("\xC3\x89"), "\xC3\x89"); // É stays as its bytes
}

TEST(Text, ComparesIgnoringAsciiCase)
{
  EXPECT_TRUE(equals_ignoring_case("WebSocket", "websocket"));
  EXPECT_FALSE(equals_ignoring_case("websocket", "websockets"));
  EXPECT_FALSE(equals_ignoring_case("gzip", "gzi\xD0"));
}

TEST(Text, TrimsTheBlanksItIsGiven)
{
  EXPECT_EQ(trim(" \t a b \t"), "a b");
  EXPECT_EQ(trim("\r a \r"), "\r a \r");
  EXPECT_EQ(trim("\r a \r", " \r"), "a");
  EXPECT_EQ(trim(" \t "), "");
}

TEST(Text, MeasuresUtf8SequencesAndRefusesIllFormedOnes)
{
  EXPECT_EQ(utf8_sequence_length(""), 0u);
  EXPECT_EQ(utf8_sequence_length("a"), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9x"), 2u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80"), 4u);
  EXPECT_EQ(utf8_sequence_length("\xC0\x80"), 0u);         // overlong
  EXPECT_EQ(utf8_sequence_length("\xED\xA0\x80"), 0u);     // surrogate
  EXPECT_EQ(utf8_sequence_length("\xF4\x90\x80\x80"), 0u); // past U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\xE2\x82"), 0u);         // cut short
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("caf\xC3"));
}

TEST(Text, HidesTheUrlsPasswordOnly)
{
  EXPECT_EQ(without_password("postgres://reactor:s3cret@db:5432/reactor"),
            "postgres://reactor:***@db:5432/reactor");
  EXPECT_EQ(without_password("postgres://db:5432/reactor"), "postgres://db:5432/reactor");
  EXPECT_EQ(without_password("https://host/a:b@c"), "https://host/a:b@c");
  EXPECT_EQ(without_password("not a url"), "not a url");
}

} // namespace
} // namespace reactor::util
