#include "reactor/net/http_parser.hpp"
#include "reactor/util/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reactor::net {
namespace {

ParseResult
parse(const std::string& text, RequestHead& head)
{
  return parse_request_head(text, head);
}

TEST(HttpParser, ParsesARequestHead)
{
  RequestHead head;
  const std::string text = "GET /a?b=1 HTTP/1.1\r\nHost: x.localhost\r\nAccept: */*\r\n\r\nrest";
  ASSERT_EQ(parse(text, head), ParseResult::complete);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/a?b=1");
  EXPECT_EQ(head.minor_version, 1);
  EXPECT_EQ(head.header_count, 2U);
  EXPECT_EQ(find_header(head.headers(), "HOST"), "x.localhost");
  EXPECT_EQ(head.length, text.size() - 4);
}

TEST(HttpParser, RefusesMalformedHeads)
{
  const std::vector<std::string> malformed{
    "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "GET /\r\nHost: h\r\n\r\n",
    "GET / HTTP/1.1\r\nHost h\r\n\r\n",             // no colon
    "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", // obs-fold
    "GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n",        // control byte
    "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",      // bare CR
    "GET / HTTP/1.1\r\nBad Name: h\r\n\r\n",        // space in a name
    "G\x7f T / HTTP/1.1\r\nHost: h\r\n\r\n",
  };
  for (const auto& text : malformed) {
    RequestHead head;
    EXPECT_EQ(parse(text, head), ParseResult::malformed) << text;
  }
}

TEST(HttpParser, CountsHeadersUpToTheLimit)
{
  std::string text = "GET / HTTP/1.1\r\n";
  for (std::size_t i = 0; i < k_max_headers; ++i) {
    text += "X-" + std::to_string(i) + ": v\r\n";
  }
  RequestHead head;
  const std::string at_limit = text + "\r\n";
  const std::string over_limit = text + "X-last: v\r\n\r\n";
  EXPECT_EQ(parse(at_limit, head), ParseResult::complete);
  EXPECT_EQ(parse(over_limit, head), ParseResult::too_many_headers);
}

TEST(HttpParser, WaitsForTheEndOfTheHead)
{
  RequestHead head;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\n", head), ParseResult::incomplete);
  EXPECT_EQ(parse("", head), ParseResult::incomplete);
}

struct FramingCase
{
  const char* name;
  std::string head;
  unsigned status; // 0: accepted
  BodyFraming::Kind kind = BodyFraming::Kind::none;
  std::size_t length = 0;
};

TEST(HttpParser, ChecksFramingAsRfc9112Asks)
{
  using Kind = BodyFraming::Kind;
  const std::vector<FramingCase> cases{
    { "no body", "GET / HTTP/1.1\r\nHost: h\r\n", 0 },
    { "length",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n",
      0,
      Kind::content_length,
      12 },
    { "chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n", 0, Kind::chunked },
    { "HTTP/1.0 without Host", "GET / HTTP/1.0\r\n", 0 },
    { "absolute form", "GET http://h:3000/x HTTP/1.1\r\nHost: H:3000\r\n", 0 },
    { "no Host", "GET / HTTP/1.1\r\n", 400 },
    { "two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n", 400 },
    { "authority disagrees", "GET http://evil/x HTTP/1.1\r\nHost: h\r\n", 400 },
    { "two lengths",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n",
      400 },
    { "length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n", 400 },
    { "empty length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n", 400 },
    { "signed length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n", 400 },
    { "huge length",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n",
      400 },
    { "two codings", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n", 400 },
    { "two encodings",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
      400 },
    { "both",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n",
      400 },
    { "chunked on 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n", 400 },
    { "unknown coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n", 501 },
  };
  for (const auto& test : cases) {
    RequestHead head;
    const std::string text = test.head + "\r\n"; // the head's views point into it
    ASSERT_EQ(parse(text, head), ParseResult::complete) << test.name;
    const auto framing = check_framing(head);
    if (test.status == 0) {
      ASSERT_TRUE(framing.has_value()) << test.name << ": " << framing.error().message;
      EXPECT_EQ(framing->kind, test.kind) << test.name;
      EXPECT_EQ(framing->content_length, test.length) << test.name;
    } else {
      ASSERT_FALSE(framing.has_value()) << test.name;
      EXPECT_EQ(framing.error().status, test.status) << test.name;
    }
  }
}

TEST(HttpParser, OriginFormDropsSchemeAndAuthority)
{
  EXPECT_EQ(origin_form("/a?b"), "/a?b");
  EXPECT_EQ(origin_form("http://h:1/a?b"), "/a?b");
  EXPECT_EQ(origin_form("HTTPS://h"), "/");
  EXPECT_EQ(origin_form("http://h/x"), "/x"); // the host's name also appears in the scheme
  EXPECT_EQ(origin_form("http://http/x?y"), "/x?y");
}

BodyResult
decode(const std::string& data, std::string& body, std::size_t& consumed)
{
  return decode_chunked(data, 64, body, consumed);
}

TEST(HttpParser, DecodesChunkedBodies)
{
  std::string body;
  std::size_t consumed = 0;
  const std::string data = "3;ext=1\r\nabc\r\n2 \r\nde\r\n0\r\nTrailer: x\r\n\r\nnext";
  ASSERT_EQ(decode(data, body, consumed), BodyResult::complete);
  EXPECT_EQ(body, "abcde");
  EXPECT_EQ(consumed, data.size() - 4);
  EXPECT_EQ(decode("3\r\nab", body, consumed), BodyResult::incomplete);
  EXPECT_EQ(decode("3\r\nabc\r\n0\r\n", body, consumed), BodyResult::incomplete);
  EXPECT_EQ(decode("41\r\n", body, consumed), BodyResult::too_large);
}

TEST(HttpParser, RefusesLaxChunkFraming)
{
  const std::vector<std::string> malformed{
    "3\nabc\r\n0\r\n\r\n",    // bare LF after the size
    "3\r\nabc\n0\r\n\r\n",    // bare LF after the data
    "3\r\nabcX\r\n0\r\n\r\n", // data longer than its size
    "0\r\n\n",                // bare LF ending the trailers
    " 3\r\nabc\r\n0\r\n\r\n", // whitespace before the size
    "0x3\r\nabc\r\n0\r\n\r\n",
    "-3\r\nabc\r\n0\r\n\r\n",
    "\r\n",
  };
  for (const auto& data : malformed) {
    std::string body;
    std::size_t consumed = 0;
    EXPECT_EQ(decode(data, body, consumed), BodyResult::malformed) << data;
  }
}

TEST(HttpParser, ReadsHeaderTokenLists)
{
  EXPECT_TRUE(header_has_token("keep-alive, Upgrade", "upgrade"));
  EXPECT_FALSE(header_has_token("keep-alive", "close"));
  EXPECT_EQ(util::trim(" \t a b \t"), "a b");
}

} // namespace
} // namespace reactor::net
