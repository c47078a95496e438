#include "reactor/net/http2_response.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace reactor::net {
namespace {

std::vector<std::pair<std::string, std::string>>
fields_of(const Response& response, std::string_view extra_headers)
{
  std::vector<Http2Field> fields;
  append_http2_fields(response, extra_headers, fields);
  std::vector<std::pair<std::string, std::string>> copied;
  copied.reserve(fields.size());
  for (const auto& [name, value] : fields) {
    copied.emplace_back(name, value);
  }
  return copied;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(Http2Response, ListsHeadersThenTheListenersOwnWithoutHopByHopOnes)
{
  Response response;
  response.headers = { { "Content-Type", "text/html" },
                       { "Connection", "close" },
                       { "Transfer-Encoding", "chunked" },
                       { "Content-Length", "12" },
                       { "ETag", "\"abc\"" } };
  EXPECT_EQ(fields_of(response, "Strict-Transport-Security: max-age=1\r\n"),
            (Fields{ { "Content-Type", "text/html" },
                     { "ETag", "\"abc\"" },
                     { "Strict-Transport-Security", "max-age=1" } }));
}

TEST(Http2Response, ReadsAPreparedHeadAfterItsStatusLine)
{
  Response response;
  response.prepared_head = std::make_shared<const std::string>(
    "HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nContent-Length: 5\r\nKeep-Alive: x\r\n"
    "Cache-Control:  public \r\n");
  EXPECT_EQ(fields_of(response, {}),
            (Fields{ { "Content-Type", "text/css" }, { "Cache-Control", "public" } }));
}

} // namespace
} // namespace reactor::net
