#include "reactor/edge/protection.hpp"
#include "reactor/edge/site_path.hpp"
#include "reactor/net/http_parser.hpp"
#include "reactor/util/password.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace reactor::edge {
namespace {

TEST(BasicPassword, ReadsThePasswordAfterTheFirstColon)
{
  // "user:pass:word", "any:secret", ":x"
  EXPECT_EQ(basic_password("Basic dXNlcjpwYXNzOndvcmQ="), "pass:word");
  EXPECT_EQ(basic_password("basic YW55OnNlY3JldA=="), "secret");
  EXPECT_EQ(basic_password("BASIC  Ong= "), "x");
}

TEST(BasicPassword, RefusesWhatIsNotBasicCredentials)
{
  for (const std::string_view header : { "",
                                         "Basic",
                                         "Basic ",
                                         "Bearer YW55OnNlY3JldA==",
                                         "Basic YW55", // "any": no colon
                                         "Basic @@@@",
                                         "Basic YW55OnNlY3JldA=",
                                         "Basic ====",
                                         "BasicYW55OnNlY3JldA==" }) {
    EXPECT_EQ(basic_password(header), std::nullopt) << header;
  }
}

TEST(AssetRequest, AnExtensionOtherThanHtmlUnlessTheBrowserNavigates)
{
  EXPECT_TRUE(is_asset_request("assets/index-abc123.js", "*/*"));
  EXPECT_TRUE(is_asset_request("logo.svg", ""));
  EXPECT_TRUE(is_asset_request("a.b/style.css", "text/css,*/*;q=0.1"));
  EXPECT_FALSE(is_asset_request("about.html", "*/*"));
  EXPECT_FALSE(is_asset_request("old/page.HTM", ""));
  EXPECT_FALSE(is_asset_request("dashboard/settings", "*/*"));
  EXPECT_FALSE(is_asset_request("", ""));
  EXPECT_FALSE(is_asset_request("docs/", ""));
  EXPECT_FALSE(is_asset_request("file.", ""));
  EXPECT_FALSE(is_asset_request("v1.2/notes", ""));
  EXPECT_FALSE(is_asset_request("users/jane.doe", "text/html,application/xhtml+xml"));
}

class ProjectAccessTest : public ::testing::Test
{
protected:
  static core::Project project(core::Protection protection)
  {
    return core::Project{ .name = "shop",
                          .protection = protection,
                          .password_hash = util::hash_password("open sesame", 1000),
                          .bypass_hash = util::token_hash("ci-token") };
  }

  static net::Request request(std::vector<net::Header>& headers)
  {
    return net::Request{ .method = "GET", .target = "/", .headers = headers };
  }
};

TEST_F(ProjectAccessTest, ProtectsTheHostnamesItsSettingNames)
{
  const ProjectAccess off(project(core::Protection::off));
  EXPECT_FALSE(off.protects("shop--main"));
  const ProjectAccess previews(project(core::Protection::previews));
  EXPECT_FALSE(previews.protects("shop"));
  EXPECT_TRUE(previews.protects("shop--main"));
  EXPECT_TRUE(previews.protects("abcde12345"));
  const ProjectAccess all(project(core::Protection::all));
  EXPECT_TRUE(all.protects("shop"));
}

TEST_F(ProjectAccessTest, AdmitsThePasswordOrTheBypassTokenAndRemembersAVerifiedHeader)
{
  const ProjectAccess access(project(core::Protection::all));
  std::vector<net::Header> none;
  EXPECT_EQ(access.admits(request(none), true), false);

  std::vector<net::Header> wrong{ { "Authorization", "Basic YTpvcGVuIHNlc2FtRQ==" } };
  EXPECT_EQ(access.admits(request(wrong), true), false);

  // "a:open sesame": the first check needs a thread that may block, later ones do not.
  std::vector<net::Header> right{ { "Authorization", "Basic YTpvcGVuIHNlc2FtZQ==" } };
  EXPECT_EQ(access.admits(request(right), false), std::nullopt);
  EXPECT_EQ(access.admits(request(right), true), true);
  EXPECT_EQ(access.admits(request(right), false), true);

  std::vector<net::Header> bypass{ { "X-Reactor-Bypass", "ci-token" } };
  EXPECT_EQ(access.admits(request(bypass), false), true);
  std::vector<net::Header> bad_bypass{ { "X-Reactor-Bypass", "guess" } };
  EXPECT_EQ(access.admits(request(bad_bypass), true), false);
}

TEST(Unauthorized, AsksForBasicCredentialsAndIsNeverCached)
{
  const auto response = unauthorized("shop");
  EXPECT_EQ(response.status, 401u);
  const auto header = [&](std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) {
        return value;
      }
    }
    return std::string{};
  };
  EXPECT_EQ(header("WWW-Authenticate"), "Basic realm=\"shop\"");
  EXPECT_EQ(header("Cache-Control"), "no-store");
}

} // namespace
} // namespace reactor::edge
