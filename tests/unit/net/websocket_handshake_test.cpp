#include "reactor/net/websocket_handshake.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reactor::net::websocket {
namespace {

TEST(WebSocketHandshake, AcceptKeyMatchesTheRfcExample)
{
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

struct UpgradeCase
{
  const char* name;
  std::string request;
  bool upgrade;
  unsigned status; // 101, or the refusal's status
};

TEST(WebSocketHandshake, ValidatesTheUpgradeRequest)
{
  const std::string key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  const std::string version = "Sec-WebSocket-Version: 13\r\n";
  const std::string upgrade = "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n";
  const std::vector<UpgradeCase> cases{
    { "valid", "GET /ws HTTP/1.1\r\nHost: h\r\n" + upgrade + key + version + "\r\n", true, 101 },
    { "case-insensitive names and values",
      "GET /ws HTTP/1.1\r\nhost: h\r\nupgrade: WebSocket\r\nconnection: upgrade\r\n"
      "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n",
      true,
      101 },
    { "not GET", "POST /ws HTTP/1.1\r\nHost: h\r\n" + upgrade + key + version + "\r\n", false, 0 },
    { "no Connection: upgrade",
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n" + key + version + "\r\n",
      false,
      0 },
    { "another protocol",
      "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
      false,
      0 },
    { "HTTP/1.0", "GET /ws HTTP/1.0\r\nHost: h\r\n" + upgrade + key + version + "\r\n", true, 400 },
    { "no version", "GET /ws HTTP/1.1\r\nHost: h\r\n" + upgrade + key + "\r\n", true, 426 },
    { "version 8",
      "GET /ws HTTP/1.1\r\nHost: h\r\n" + upgrade + key + "Sec-WebSocket-Version: 8\r\n\r\n",
      true,
      426 },
    { "no key", "GET /ws HTTP/1.1\r\nHost: h\r\n" + upgrade + version + "\r\n", true, 400 },
    { "short key",
      "GET /ws HTTP/1.1\r\nHost: h\r\n" + upgrade + "Sec-WebSocket-Key: abc=\r\n" + version +
        "\r\n",
      true,
      400 },
    { "key with a bad character",
      "GET /ws HTTP/1.1\r\nHost: h\r\n" + upgrade +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j*Q==\r\n" + version + "\r\n",
      true,
      400 },
  };
  for (const auto& test : cases) {
    RequestHead head;
    ASSERT_EQ(parse_request_head(test.request, head), ParseResult::complete) << test.name;
    EXPECT_EQ(is_upgrade(head), test.upgrade) << test.name;
    if (!test.upgrade) {
      continue;
    }
    const auto accepted = accept_upgrade(head);
    EXPECT_EQ(accepted ? 101U : accepted.error().status, test.status) << test.name;
    if (accepted) {
      EXPECT_EQ(*accepted,
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                "Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    } else if (test.status == 426) {
      const auto& headers = accepted.error().headers;
      EXPECT_NE(std::find(headers.begin(),
                          headers.end(),
                          std::pair<std::string, std::string>("Sec-WebSocket-Version", "13")),
                headers.end());
    }
  }
}

} // namespace
} // namespace reactor::net::websocket
