#include "reactor/edge/header_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace reactor::edge {

using rules::HeaderRules;
using rules::parse_headers;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using Names = std::vector<std::string>;

// The example file of https://developers.cloudflare.com/pages/configuration/headers/ (its
// absolute-URL rule written as a path rule for /home and /secure/*).
constexpr std::string_view k_example = "# This is a comment\n"
                                       "/secure/page\n"
                                       "  X-Frame-Options: DENY\n"
                                       "  X-Content-Type-Options: nosniff\n"
                                       "  Referrer-Policy: no-referrer\n"
                                       "\n"
                                       "/static/*\n"
                                       "  Access-Control-Allow-Origin: *\n"
                                       "  X-Robots-Tag: nosnippet\n"
                                       "\n"
                                       "/static/*.css\n"
                                       "  X-Robots-Tag: noindex\n";

} // namespace

TEST(HeaderRule, AppliesEveryMatchingRule)
{
  const HeaderRules rules = parse_headers(k_example);
  ASSERT_TRUE(rules.problems.empty());
  struct Case
  {
    std::string_view path;
    Headers set;
  };
  const Case cases[] = {
    { "/secure/page",
      { { "x-frame-options", "DENY" },
        { "x-content-type-options", "nosniff" },
        { "referrer-policy", "no-referrer" } } },
    { "/static/image.jpg",
      { { "access-control-allow-origin", "*" }, { "x-robots-tag", "nosnippet" } } },
    { "/static/styles.css",
      { { "access-control-allow-origin", "*" }, { "x-robots-tag", "nosnippet, noindex" } } },
    { "/secure/page/", {} },
    { "/home", {} },
  };
  for (const auto& c : cases) {
    const HeaderChanges changes = headers_for(rules, c.path);
    EXPECT_EQ(changes.set, c.set) << c.path;
    EXPECT_TRUE(changes.detach.empty()) << c.path;
  }
}

TEST(HeaderRule, DetachesHeaders)
{
  const HeaderRules rules = parse_headers("/*\n"
                                          "  Content-Security-Policy: default-src 'self';\n"
                                          "  X-Frame-Options: DENY\n"
                                          "/*.jpg\n"
                                          "  ! Content-Security-Policy\n"
                                          "/embed/*\n"
                                          "  ! X-Frame-Options\n"
                                          "  X-Frame-Options: SAMEORIGIN\n"
                                          "  ! Server\n"
                                          "/embed/:name\n"
                                          "  X-Frame-Options: ALLOW-FROM-EMBED\n"
                                          "/embed/*.jpg\n"
                                          "  ! Server\n");
  ASSERT_TRUE(rules.problems.empty()) << rules.problems.front();
  struct Case
  {
    std::string_view path;
    Headers set;
    Names detach;
  };
  const Case cases[] = {
    { "/index.html",
      { { "content-security-policy", "default-src 'self';" }, { "x-frame-options", "DENY" } },
      {} },
    { "/img/cat.jpg", { { "x-frame-options", "DENY" } }, { "content-security-policy" } },
    { "/embed/player",
      { { "content-security-policy", "default-src 'self';" },
        { "x-frame-options", "SAMEORIGIN, ALLOW-FROM-EMBED" } },
      { "x-frame-options", "server" } },
    { "/embed/still.jpg",
      { { "x-frame-options", "SAMEORIGIN, ALLOW-FROM-EMBED" } },
      { "content-security-policy", "x-frame-options", "server" } },
  };
  for (const auto& c : cases) {
    const HeaderChanges changes = headers_for(rules, c.path);
    EXPECT_EQ(changes.set, c.set) << c.path;
    EXPECT_EQ(changes.detach, c.detach) << c.path;
  }
}

TEST(HeaderRule, SubstitutesPlaceholdersAndSplatIntoValues)
{
  const HeaderRules rules = parse_headers("/movies/:title\n"
                                          "  X-Movie-Name: You are watching \":title\"\n"
                                          "/docs/*\n"
                                          "  Link: </manual/:splat>; rel=\"canonical\"\n"
                                          "  X-Unknown: :other and https://x.test:8080/\n");
  ASSERT_TRUE(rules.problems.empty()) << rules.problems.front();
  EXPECT_EQ(headers_for(rules, "/movies/Star Wars\r\nX-Evil: 1").set,
            (Headers{ { "x-movie-name", "You are watching \"Star%20Wars%0D%0AX-Evil:%201\"" } }));
  EXPECT_EQ(headers_for(rules, "/docs/a/b").set,
            (Headers{ { "link", "</manual/a/b>; rel=\"canonical\"" },
                      { "x-unknown", ":other and https://x.test:8080/" } }));
  EXPECT_TRUE(headers_for(rules, "/movies/a/b").set.empty());
}

} // namespace reactor::edge
