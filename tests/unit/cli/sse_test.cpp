#include "reactor/cli/sse.hpp"

#include <gtest/gtest.h>

namespace reactor::cli {

TEST(ParseSse, SplitsEventsAndKeepsTheUnfinishedTail)
{
  const std::string text = "id: 1\ndata: {\"a\":1}\n\nid: 2\ndata: {\"b\"";
  const auto parsed = parse_sse(text);
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].id, "1");
  EXPECT_EQ(parsed.events[0].data, R"({"a":1})");
  EXPECT_EQ(parsed.consumed, text.find("id: 2"));
  EXPECT_EQ(parsed.last_id, "1");
}

TEST(ParseSse, ResumesAcrossChunksOneByteAtATime)
{
  const std::string stream = "id: 7\ndata: one\n\n: keep-alive\n\nid: 8\ndata: two\n\n";
  std::string buffer;
  std::string last_id;
  std::vector<SseEvent> events;
  for (const char byte : stream) {
    buffer += byte;
    auto parsed = parse_sse(buffer, last_id);
    buffer.erase(0, parsed.consumed);
    last_id = parsed.last_id;
    events.insert(events.end(), parsed.events.begin(), parsed.events.end());
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "one");
  EXPECT_EQ(events[1].id, "8");
  EXPECT_EQ(events[1].data, "two");
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(last_id, "8");
}

TEST(ParseSse, JoinsDataLinesAndAcceptsEveryLineEnd)
{
  const auto parsed = parse_sse("data: a\r\ndata:b\rdata\n\r\nevent: ping\ndata:  c\n\n");
  ASSERT_EQ(parsed.events.size(), 2u);
  EXPECT_EQ(parsed.events[0].data, "a\nb\n");
  EXPECT_EQ(parsed.events[0].event, "");
  EXPECT_EQ(parsed.events[1].event, "ping");
  EXPECT_EQ(parsed.events[1].data, " c");
}

TEST(ParseSse, WaitsForTheByteAfterACarriageReturn)
{
  const auto parsed = parse_sse("data: x\n\r");
  EXPECT_TRUE(parsed.events.empty());
  EXPECT_EQ(parsed.consumed, 0u);
}

TEST(ParseSse, CommentsAndEventsWithoutDataAreNotDispatchedButIdsStick)
{
  const auto parsed = parse_sse(": hello\n\nid: 5\n\ndata: later\n\n", "4");
  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].id, "5");
  EXPECT_EQ(parsed.last_id, "5");
}

TEST(ParseDeploymentEvent, ReadsStatusUpdates)
{
  const auto event = parse_deployment_event(
    R"({"type":"STATUS_UPDATE","id":"abc","seq":12,"status":"IN_PROGRESS","phase":"building","error":null})");
  ASSERT_TRUE(event.has_value()) << event.error().message;
  EXPECT_EQ(event->kind, DeploymentEvent::Kind::status);
  EXPECT_EQ(event->seq, 12);
  EXPECT_EQ(event->status, core::Status::in_progress);
  EXPECT_EQ(event->phase, core::Phase::building);
  EXPECT_EQ(event->error, "");

  const auto failed = parse_deployment_event(
    R"({"type":"STATUS_UPDATE","seq":13,"status":"ERROR","phase":"","error":"npm failed"})");
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->status, core::Status::error);
  EXPECT_EQ(failed->phase, core::Phase::none);
  EXPECT_EQ(failed->error, "npm failed");
}

TEST(ParseDeploymentEvent, ReadsLogLines)
{
  const auto event = parse_deployment_event(R"({"type":"LOG","id":"abc","seq":3,"line":"hi"})");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->kind, DeploymentEvent::Kind::log);
  EXPECT_EQ(event->seq, 3);
  EXPECT_EQ(event->line, "hi");
}

TEST(ParseDeploymentEvent, RejectsWhatItCannotRead)
{
  EXPECT_FALSE(parse_deployment_event("not json").has_value());
  EXPECT_FALSE(parse_deployment_event("[1]").has_value());
  EXPECT_FALSE(parse_deployment_event(R"({"type":"SYSTEM","message":"x"})").has_value());
  EXPECT_FALSE(parse_deployment_event(R"({"type":"STATUS_UPDATE","status":"DONE"})").has_value());
}

} // namespace reactor::cli
