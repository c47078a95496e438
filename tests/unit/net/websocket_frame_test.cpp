#include "reactor/net/websocket_frame.hpp"
#include "reactor/util/text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reactor::net::websocket {
namespace {

using Kind = Incoming::Kind;

constexpr std::uint8_t k_fin = 0x80;
constexpr std::array<char, 4> k_mask{ 0x37, static_cast<char>(0xfa), 0x21, 0x3d };

// A client frame: first byte as given, the payload masked with k_mask, the length in
// the shortest form unless `length_bytes` forces 2 or 8.
std::string
client_frame(std::uint8_t first, std::string_view payload, bool masked = true, int length_bytes = 0)
{
  std::string frame(1, static_cast<char>(first));
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  const std::size_t size = payload.size();
  if (length_bytes == 0) {
    length_bytes = size < 126 ? 0 : size <= 0xFFFF ? 2 : 8;
  }
  frame += static_cast<char>(mask_bit | (length_bytes == 0 ? size : length_bytes == 2 ? 126 : 127));
  for (int i = length_bytes - 1; i >= 0; --i) {
    frame += static_cast<char>((size >> (8 * i)) & 0xFF);
  }
  if (masked) {
    frame.append(k_mask.data(), k_mask.size());
  }
  for (std::size_t i = 0; i < size; ++i) {
    frame += masked ? static_cast<char>(payload[i] ^ k_mask[i % 4]) : payload[i];
  }
  return frame;
}

std::string
text(std::string_view payload)
{
  return client_frame(k_fin | 0x1, payload);
}

struct Event
{
  Kind kind;
  std::string payload;
  std::uint16_t code = 0;
  bool operator==(const Event&) const = default;
};

std::ostream&
operator<<(std::ostream& out, const Event& event)
{
  return out << "{" << static_cast<int>(event.kind) << ", \"" << event.payload << "\", "
             << event.code << "}";
}

// Feeds `input` to a reader the way a connection does, `chunk` bytes at a time, and
// collects every event until need_more or fail.
std::vector<Event>
read_all(const std::string& input, std::size_t chunk = 0, std::size_t max_message = 1024)
{
  FrameReader reader(max_message);
  std::vector<Event> events;
  std::string buffered;
  std::size_t offered = 0;
  chunk = chunk == 0 ? input.size() : chunk;
  while (offered < input.size() || !buffered.empty()) {
    if (offered < input.size()) {
      buffered += input.substr(offered, chunk);
      offered += chunk;
    }
    for (;;) {
      const Incoming incoming = reader.next(buffered);
      if (incoming.kind == Kind::need_more) {
        break;
      }
      if (incoming.kind != Kind::fragment) {
        events.push_back({ incoming.kind, std::string(incoming.payload), incoming.code });
      }
      if (incoming.kind == Kind::fail) {
        return events;
      }
      buffered.erase(0, incoming.consumed);
    }
    if (offered >= input.size() && !buffered.empty()) {
      events.push_back({ Kind::need_more, buffered, 0 });
      break;
    }
  }
  return events;
}

struct ReadCase
{
  const char* name;
  std::string input;
  std::vector<Event> expected;
};

std::vector<ReadCase>
read_cases()
{
  const std::string medium(300, 'm');
  const std::string large(70000, 'L');
  return {
    { "short text", text("hello"), { { Kind::text, "hello" } } },
    { "empty text", text(""), { { Kind::text, "" } } },
    { "16-bit length", text(medium), { { Kind::text, medium } } },
    { "64-bit length", client_frame(k_fin | 0x1, large), {} }, // over max_message: see below
    { "two frames in one read",
      text("a") + text("b"),
      { { Kind::text, "a" }, { Kind::text, "b" } } },
    { "fragmented message",
      client_frame(0x1, "hel") + client_frame(0x0, "l") + client_frame(k_fin | 0x0, "o"),
      { { Kind::text, "hello" } } },
    { "ping between fragments",
      client_frame(0x1, "ab") + client_frame(k_fin | 0x9, "p") + client_frame(k_fin | 0x0, "cd"),
      { { Kind::ping, "p" }, { Kind::text, "abcd" } } },
    { "ping", client_frame(k_fin | 0x9, "are you there"), { { Kind::ping, "are you there" } } },
    { "pong", client_frame(k_fin | 0xA, ""), { { Kind::pong, "" } } },
    { "close without code", client_frame(k_fin | 0x8, ""), { { Kind::close, "", 1005 } } },
    { "close with code and reason",
      client_frame(k_fin | 0x8, std::string("\x03\xe8") + "bye"),
      { { Kind::close, "bye", 1000 } } },
    { "close with an application code",
      client_frame(k_fin | 0x8, std::string("\x0f\xa0", 2)),
      { { Kind::close, "", 4000 } } },
    { "unmasked frame",
      client_frame(k_fin | 0x1, "hi", false),
      { { Kind::fail, "client frames must be masked", 1002 } } },
    { "binary message",
      client_frame(k_fin | 0x2, "\x01\x02"),
      { { Kind::fail, "only text messages are accepted", 1003 } } },
    { "reserved bit",
      client_frame(k_fin | 0x40 | 0x1, "hi"),
      { { Kind::fail, "reserved bits set without an extension", 1002 } } },
    { "unknown data opcode",
      client_frame(k_fin | 0x3, ""),
      { { Kind::fail, "unknown opcode", 1002 } } },
    { "unknown control opcode",
      client_frame(k_fin | 0xB, ""),
      { { Kind::fail, "unknown opcode", 1002 } } },
    { "fragmented ping",
      client_frame(0x9, "p"),
      { { Kind::fail, "control frames must be whole and short", 1002 } } },
    { "long ping",
      client_frame(k_fin | 0x9, std::string(126, 'p')),
      { { Kind::fail, "control frames must be whole and short", 1002 } } },
    { "continuation without a message",
      client_frame(k_fin | 0x0, "x"),
      { { Kind::fail, "continuation frame without a message", 1002 } } },
    { "text inside a fragmented message",
      client_frame(0x1, "a") + text("b"),
      { { Kind::fail, "a new message inside a fragmented one", 1002 } } },
    { "one-byte close",
      client_frame(k_fin | 0x8, "\x03"),
      { { Kind::fail, "close frame with a one-byte payload", 1002 } } },
    { "reserved close code",
      client_frame(k_fin | 0x8, std::string("\x03\xee", 2)),
      { { Kind::fail, "invalid close code", 1002 } } },
    { "invalid UTF-8 text",
      text("\xc3\x28"),
      { { Kind::fail, "text message is not UTF-8", 1007 } } },
    { "UTF-8 split across fragments",
      client_frame(0x1, "caf\xc3") + client_frame(k_fin | 0x0, "\xa9"),
      { { Kind::text, "caf\xc3\xa9" } } },
    { "too big in one frame",
      text(std::string(1025, 'x')),
      { { Kind::fail, "message too big", 1009 } } },
    { "too big across fragments",
      client_frame(0x1, std::string(1000, 'x')) + client_frame(k_fin | 0x0, std::string(25, 'x')),
      { { Kind::fail, "message too big", 1009 } } },
    { "top bit of a 64-bit length",
      std::string("\x81\xff\x80\0\0\0\0\0\0\x01", 10) + std::string(k_mask.data(), 4),
      { { Kind::fail, "frame length with its top bit set", 1002 } } },
    { "non-minimal 16-bit length is accepted",
      client_frame(k_fin | 0x1, "ok", true, 2),
      { { Kind::text, "ok" } } },
    { "incomplete frame",
      text("hello").substr(0, 8),
      { { Kind::need_more, text("hello").substr(0, 8) } } },
  };
}

TEST(WebSocketFrameReader, ReadsEveryCaseWholeAndByteByByte)
{
  for (const auto& test : read_cases()) {
    if (std::string_view(test.name) == "64-bit length") {
      continue;
    }
    EXPECT_EQ(read_all(test.input), test.expected) << test.name;
    EXPECT_EQ(read_all(test.input, 1), test.expected) << test.name << " (byte by byte)";
  }
}

TEST(WebSocketFrameReader, ReadsA64BitLength)
{
  const std::string large(70000, 'L');
  const std::vector<Event> expected{ { Kind::text, large } };
  EXPECT_EQ(read_all(client_frame(k_fin | 0x1, large), 0, 1 << 20), expected);
  EXPECT_EQ(read_all(client_frame(k_fin | 0x1, large), 4096, 1 << 20), expected);
}

TEST(WebSocketFrameReader, RejectsAnOversizedFrameFromItsHeaderAlone)
{
  FrameReader reader(1024);
  std::string header = client_frame(k_fin | 0x1, std::string(70000, 'x')).substr(0, 14);
  const Incoming incoming = reader.next(header);
  EXPECT_EQ(incoming.kind, Kind::fail);
  EXPECT_EQ(incoming.code, close_code::too_big);
}

struct HeaderCase
{
  std::uint64_t size;
  std::string expected;
};

TEST(WebSocketFrameEncoder, UsesTheShortestLength)
{
  const std::vector<HeaderCase> cases{
    { 0, std::string("\x81\x00", 2) },
    { 125, "\x81\x7d" },
    { 126, std::string("\x81\x7e\x00\x7e", 4) },
    { 65535, "\x81\x7e\xff\xff" },
    { 65536, std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10) },
    { 0x0102030405060708, "\x81\x7f\x01\x02\x03\x04\x05\x06\x07\x08" },
  };
  for (const auto& test : cases) {
    std::array<char, k_max_header> header{};
    const std::size_t size = encode_header(Opcode::text, test.size, header);
    EXPECT_EQ(std::string(header.data(), size), test.expected) << test.size;
  }
}

TEST(WebSocketFrameEncoder, EncodesControlFrames)
{
  EXPECT_EQ(encode_frame(Opcode::pong, "hi"), "\x8a\x02hi");
  EXPECT_EQ(encode_frame(Opcode::ping, ""), std::string("\x89\x00", 2));
  EXPECT_EQ(encode_close(1008, "client too slow"),
            "\x88\x11\x03\xf0"
            "client too slow");
  EXPECT_EQ(encode_close(1000, std::string(200, 'r')).size(), 2 + 125U);
}

TEST(WebSocketUtf8, AcceptsWellFormedAndRejectsTheRest)
{
  const std::vector<std::pair<std::string, bool>> cases{
    { "", true },
    { "plain ascii", true },
    { "\xc3\xa9", true },
    { "\xe2\x82\xac", true },
    { "\xf0\x9f\x98\x80", true },
    { "\xf4\x8f\xbf\xbf", true },
    { "\xc0\xaf", false },         // overlong
    { "\xe0\x80\xaf", false },     // overlong
    { "\xed\xa0\x80", false },     // surrogate
    { "\xf4\x90\x80\x80", false }, // past U+10FFFF
    { "\xc3", false },             // truncated
    { "\x80", false },             // stray continuation
    { "\xff", false },
  };
  for (const auto& [input, valid] : cases) {
    EXPECT_EQ(util::is_valid_utf8(input), valid) << testing::PrintToString(input);
  }
}

} // namespace
} // namespace reactor::net::websocket
