#include "reactor/app/https_redirect.hpp"

#include <gtest/gtest.h>

namespace reactor::app {

namespace {

TEST(HttpsLocation, DropsThePlainPortAndAddsTheHttpsOne)
{
  EXPECT_EQ(https_location("example.com:8080", "/a/b?c=d", 8443),
            "https://example.com:8443/a/b?c=d");
  EXPECT_EQ(https_location("example.com", "/", 8443), "https://example.com:8443/");
}

TEST(HttpsLocation, LeavesPort443Out)
{
  EXPECT_EQ(https_location("example.com:80", "/x?y", 443), "https://example.com/x?y");
  EXPECT_EQ(https_location("abc.localhost", "/", 443), "https://abc.localhost/");
}

TEST(HttpsLocation, KeepsIpv6Brackets)
{
  EXPECT_EQ(https_location("[::1]:8080", "/p", 443), "https://[::1]/p");
  EXPECT_EQ(https_location("[::1]", "/p", 8443), "https://[::1]:8443/p");
}

TEST(HttpsLocation, RefusesHostsThatAreNotHostNames)
{
  EXPECT_EQ(https_location("", "/", 443), "");
  EXPECT_EQ(https_location("evil.com/x", "/", 443), "");
  EXPECT_EQ(https_location("user@evil.com", "/", 443), "");
  EXPECT_EQ(https_location("[::1", "/", 443), "");
}

TEST(HttpsLocation, TargetsThatAreNotPathsBecomeTheRoot)
{
  // An absolute-form or asterisk target must not turn into another host.
  EXPECT_EQ(https_location("example.com", "*", 443), "https://example.com/");
}

} // namespace

} // namespace reactor::app
