#include "reactor/api/access.hpp"
#include "reactor/api/api.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reactor::api {

TEST(Access, ReadsTheHostNameOfAnAuthority)
{
  EXPECT_EQ(host_name("Example.COM:3000"), "example.com");
  EXPECT_EQ(host_name("example.com."), "example.com");
  EXPECT_EQ(host_name("[::1]:8080"), "[::1]");
  EXPECT_EQ(host_name("127.0.0.1"), "127.0.0.1");
}

TEST(Access, JsonContentTypeAllowsParametersOnly)
{
  for (const char* type : { "application/json",
                            "application/json; charset=utf-8",
                            "Application/JSON",
                            " application/json ;x=y" }) {
    EXPECT_TRUE(is_json_content_type(type)) << type;
  }
  for (const char* type : { "",
                            "text/plain",
                            "text/plain; charset=utf-8",
                            "application/x-www-form-urlencoded",
                            "multipart/form-data; boundary=x",
                            "application/jsonp",
                            "application/json-patch+json" }) {
    EXPECT_FALSE(is_json_content_type(type)) << type;
  }
}

TEST(Access, ApiHostNamesComeFromThePublicUrlTheDomainAndTheFlag)
{
  EXPECT_EQ(api_host_names("https://{id}.example.com", "example.com", { "API.example.com" }),
            (std::vector<std::string>{ "example.com", "api.example.com" }));
  EXPECT_EQ(api_host_names("", "localhost", {}), std::vector<std::string>{ "localhost" });
  EXPECT_EQ(api_host_names("https://sites.example.net:8443/{id}", "localhost", {}),
            (std::vector<std::string>{ "sites.example.net", "localhost" }));
}

TEST(Access, AnswersOnlyForLoopbackAndConfiguredHosts)
{
  const std::vector<std::string> hosts{ "example.com", "api.example.com" };
  for (const char* host : { "localhost:3000",
                            "127.0.0.1:4321",
                            "[::1]:3000",
                            "LOCALHOST",
                            "localhost.:3000",
                            "example.com",
                            "api.example.com:443" }) {
    EXPECT_TRUE(is_api_host(host, hosts)) << host;
  }
  for (const char* host : { "evil.example",
                            "evil.example:3000",
                            "127.0.0.2:3000",
                            "localhost.evil.example",
                            "example.com.evil.example",
                            "192.168.1.5:3000",
                            "" }) {
    EXPECT_FALSE(is_api_host(host, hosts)) << host;
  }
}

TEST(Access, AllowsOnlyTheApisOwnOrigin)
{
  const std::vector<std::string> hosts{ "localhost", "example.com" };
  EXPECT_TRUE(is_own_origin("http://127.0.0.1:3000", "127.0.0.1:3000", hosts));
  EXPECT_TRUE(is_own_origin("http://localhost:3000", "LOCALHOST:3000", hosts));
  EXPECT_TRUE(is_own_origin("https://example.com", "10.0.0.5:3000", hosts));
  // Another page on this machine, a deployed site, a foreign site, an opaque origin.
  EXPECT_FALSE(is_own_origin("http://localhost:8080", "localhost:3000", hosts));
  EXPECT_FALSE(is_own_origin("http://127.0.0.1:3001", "127.0.0.1:3000", hosts));
  EXPECT_FALSE(is_own_origin("http://abcdefghij.localhost:3000", "localhost:3000", hosts));
  EXPECT_FALSE(is_own_origin("https://abcdefghij.example.com", "example.com", hosts));
  EXPECT_FALSE(is_own_origin("https://evil.example", "127.0.0.1:3000", hosts));
  EXPECT_FALSE(is_own_origin("null", "127.0.0.1:3000", hosts));
}

} // namespace reactor::api
