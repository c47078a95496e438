#include "reactor/util/log.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace reactor::util::log {

namespace {

// 2026-11-26T04:40:00.123Z
const auto k_time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795668000123));

} // namespace

TEST(Log, TextLineHasTimeLevelEventAndFields)
{
  const std::string repo = "https://example.com/a.git";
  EXPECT_EQ(format_line(Format::text,
                        k_time,
                        Level::info,
                        "deploy.accepted",
                        { { "id", "abc" }, { "repo", repo }, { "attempt", 2 }, { "ok", true } }),
            "2026-11-26T04:40:00.123Z INFO deploy.accepted id=abc "
            "repo=https://example.com/a.git attempt=2 ok=true\n");
}

TEST(Log, TextQuotesValuesThatAreNotOneWord)
{
  const auto line = format_line(Format::text,
                                k_time,
                                Level::error,
                                "build.finished",
                                { { "error", "npm said \"no\"\nbye\\" },
                                  { "empty", "" },
                                  { "eq", "a=b" },
                                  { "bell", "\x07" } });
  EXPECT_EQ(line,
            "2026-11-26T04:40:00.123Z ERROR build.finished error=\"npm said \\\"no\\\"\\nbye\\\\\" "
            "empty=\"\" eq=\"a=b\" bell=\"\\x07\"\n");
}

TEST(Log, JsonLineIsOneEscapedObject)
{
  const auto line = format_line(Format::json,
                                k_time,
                                Level::warn,
                                "auth.rejected",
                                { { "path", "/deploy" },
                                  { "reason", "quote \" and\nnewline" },
                                  { "duration_ms", 1500 },
                                  { "ratio", 0.5 },
                                  { "retry", false } });
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1) << "one event, one line";
  const auto object = boost::json::parse(line).as_object();
  EXPECT_EQ(object.at("ts"), "2026-11-26T04:40:00.123Z");
  EXPECT_EQ(object.at("level"), "warn");
  EXPECT_EQ(object.at("event"), "auth.rejected");
  EXPECT_EQ(object.at("reason"), "quote \" and\nnewline");
  EXPECT_EQ(object.at("duration_ms").as_int64(), 1500);
  EXPECT_EQ(object.at("ratio").as_double(), 0.5);
  EXPECT_EQ(object.at("retry").as_bool(), false);
}

TEST(Log, ParsesLevelsAndFormats)
{
  EXPECT_EQ(parse_level("debug"), Level::debug);
  EXPECT_EQ(parse_level("warn"), Level::warn);
  EXPECT_EQ(parse_level("WARN"), std::nullopt);
  EXPECT_EQ(parse_format("json"), Format::json);
  EXPECT_EQ(parse_format("yaml"), std::nullopt);
}

TEST(Log, FiltersBelowTheMinimumLevel)
{
  configure(Level::warn, Format::text);
  EXPECT_FALSE(enabled(Level::debug));
  EXPECT_FALSE(enabled(Level::info));
  EXPECT_TRUE(enabled(Level::warn));
  EXPECT_TRUE(enabled(Level::error));
  configure(Level::info, Format::text);
}

} // namespace reactor::util::log
