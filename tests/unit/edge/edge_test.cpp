#include "reactor/edge/host.hpp"
#include "reactor/edge/prepared_file.hpp"
#include "reactor/edge/site_path.hpp"

#include <gtest/gtest.h>

namespace reactor::edge {

TEST(SiteLabel, PicksTheLabelBeforeTheDomain)
{
  EXPECT_EQ(site_label("abc123xyz0.localhost:3000", "localhost"), "abc123xyz0");
  EXPECT_EQ(site_label("abc123xyz0.localhost", "localhost"), "abc123xyz0");
  EXPECT_EQ(site_label("abc123xyz0.localhost.", "localhost"), "abc123xyz0");
  EXPECT_EQ(site_label("abc123xyz0.example.com", "example.com"), "abc123xyz0");
  EXPECT_EQ(site_label("a.b.example.com", "example.com"), "a.b");
}

TEST(SiteLabel, OtherHostsGoToTheApi)
{
  EXPECT_EQ(site_label("localhost:3000", "localhost"), std::nullopt);
  EXPECT_EQ(site_label("127.0.0.1:3000", "localhost"), std::nullopt);
  EXPECT_EQ(site_label("example.com", "example.com"), std::nullopt);
  EXPECT_EQ(site_label("abcexample.com", "example.com"), std::nullopt);
  EXPECT_EQ(site_label(".example.com", "example.com"), std::nullopt);
  EXPECT_EQ(site_label("", "localhost"), std::nullopt);
  EXPECT_EQ(site_label("[::1]:3000", "localhost"), std::nullopt);
}

TEST(SitePath, NormalisesOnce)
{
  EXPECT_EQ(normalize_site_path("/"), "");
  EXPECT_EQ(normalize_site_path("/index.html"), "index.html");
  EXPECT_EQ(normalize_site_path("//assets///app.js"), "assets/app.js");
  EXPECT_EQ(normalize_site_path("/./a/./b"), "a/b");
  EXPECT_EQ(normalize_site_path("/docs/"), "docs/");
  EXPECT_EQ(normalize_site_path("/hello%20world.txt"), "hello world.txt");
  EXPECT_EQ(normalize_site_path("/%2e/x"), "x");
}

TEST(SitePath, NothingOutsideTheSiteIsReachable)
{
  for (const char* path : { "/..",
                            "/../etc/passwd",
                            "/a/../../b",
                            "/%2e%2e/etc/passwd",
                            "/%2E%2E%2fetc",
                            "/a%00b",
                            "/a\\..\\b",
                            "/a%5c..%5cb",
                            "/%",
                            "/%zz",
                            "/%2",
                            "relative",
                            "" }) {
    EXPECT_EQ(normalize_site_path(path), std::nullopt) << path;
  }
  EXPECT_EQ(normalize_site_path("/" + std::string(3000, 'a')), std::nullopt);
}

TEST(HashedAsset, RecognisesBundlerHashes)
{
  EXPECT_TRUE(is_hashed_asset("assets/index-B1x2y3z4.js"));
  EXPECT_TRUE(is_hashed_asset("assets/index-DiwrgTda.css"));
  EXPECT_TRUE(is_hashed_asset("static/js/main.8f3a2c1b.chunk.js"));
  EXPECT_TRUE(is_hashed_asset("static/css/main.8f3a2c1b.css"));
  EXPECT_FALSE(is_hashed_asset("index.html"));
  EXPECT_FALSE(is_hashed_asset("favicon.ico"));
  EXPECT_FALSE(is_hashed_asset("assets/bootstrap.min.js"));
  EXPECT_FALSE(is_hashed_asset("robots.txt"));
  EXPECT_FALSE(is_hashed_asset("assets/component-library.js"));
}

} // namespace reactor::edge
