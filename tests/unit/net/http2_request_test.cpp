#include "reactor/net/http2_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace reactor::net {
namespace {

TEST(Http2Request, BecomesARequestWithTheAuthorityAsALowercaseHost)
{
  Http2Request collected;
  collected.add_field(":method", "POST");
  collected.add_field(":scheme", "https");
  collected.add_field(":path", "/deploy?x=1");
  collected.add_field(":authority", "Site.Example.COM:8443");
  collected.add_field("content-type", "application/json");
  ASSERT_TRUE(collected.append_body("{\"a\":", 100));
  ASSERT_TRUE(collected.append_body("1}", 100));

  const Request request = collected.request("10.0.0.1");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/deploy?x=1");
  EXPECT_EQ(request.path(), "/deploy");
  EXPECT_EQ(request.host, "site.example.com:8443");
  EXPECT_EQ(request.header("host"), "site.example.com:8443");
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(request.header(":path"), "");
  EXPECT_EQ(request.body, "{\"a\":1}");
  EXPECT_EQ(request.remote_address, "10.0.0.1");
  EXPECT_EQ(collected.path(), "/deploy");
}

TEST(Http2Request, UsesTheHostHeaderWithoutAnAuthority)
{
  Http2Request collected;
  collected.add_field(":method", "GET");
  collected.add_field(":path", "/");
  collected.add_field("host", "API.local");
  EXPECT_EQ(collected.request("").host, "api.local");
}

TEST(Http2Request, JoinsCookieFieldsAsHttp1SendsThem)
{
  Http2Request collected;
  collected.add_field(":method", "GET");
  collected.add_field(":path", "/");
  collected.add_field("cookie", "a=1");
  collected.add_field("accept", "*/*");
  collected.add_field("cookie", "b=2");
  const Request request = collected.request("");
  EXPECT_EQ(request.header("cookie"), "a=1; b=2");
  EXPECT_EQ(request.header("accept"), "*/*");
}

TEST(Http2Request, CountsTheHeaderListAsSettingsDoAndStopsPastTheLimit)
{
  Http2Request collected;
  collected.add_field(":method", "GET");
  EXPECT_FALSE(collected.too_large());
  collected.add_field("x-big", std::string(k_max_header_list, 'a'));
  EXPECT_TRUE(collected.too_large());
  collected.add_field("x-after", "1");
  EXPECT_EQ(collected.request("").header("x-after"), "");
}

TEST(Http2Request, ReadsTheContentLengthWhenValid)
{
  Http2Request sized;
  sized.add_field("content-length", "1234");
  EXPECT_EQ(sized.content_length(), 1234U);
  Http2Request broken;
  broken.add_field("content-length", "12x");
  EXPECT_EQ(broken.content_length(), std::nullopt);
  EXPECT_EQ(Http2Request{}.content_length(), std::nullopt);
}

TEST(Http2Request, RefusesABodyPastItsLimitKeepingNoneOfIt)
{
  Http2Request collected;
  EXPECT_TRUE(collected.append_body("12345", 8));
  EXPECT_FALSE(collected.append_body("6789", 8));
  EXPECT_EQ(collected.request("").body, "12345");
}

} // namespace
} // namespace reactor::net
