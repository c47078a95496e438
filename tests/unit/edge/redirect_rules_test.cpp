#include "reactor/edge/redirect_rules.hpp"

#include <gtest/gtest.h>

#include <string>

namespace reactor::edge {

using rules::parse_redirects;
using rules::RedirectRules;

TEST(RedirectRule, MatchesTheFirstRuleInFileOrder)
{
  const RedirectRules rules = parse_redirects("/exact /from-exact 301\n"
                                              "/news/* /blog/:splat\n"
                                              "/news/special /never 301\n"
                                              "/a /b 200\n"
                                              "/b /c 200\n"
                                              "/shop/:category/:item /store/:item?c=:category 308\n"
                                              "/shop/* /store 301\n"
                                              "/docs/* /manual/:splat/ 301\n"
                                              "/ext/* https://ext.test//:splat 302\n"
                                              "/go* /:splat 302\n"
                                              "/* /fallback.html 200\n");
  ASSERT_TRUE(rules.problems.empty()) << rules.problems.front();
  EXPECT_EQ(rules.static_index.size(), 1u);
  struct Case
  {
    std::string_view path;
    std::string_view target; // empty: no match
    unsigned status;
  };
  const Case cases[] = {
    { "/exact", "/from-exact", 301 },
    { "/exact/", "/fallback.html", 200 },
    { "/news/special", "/blog/special", 302 },
    { "/news/2024/05/x", "/blog/2024/05/x", 302 },
    { "/news/", "/blog/", 302 },
    { "/a", "/b", 200 },
    { "/b", "/c", 200 },
    { "/shop/shoes/boot", "/store/boot?c=shoes", 308 },
    { "/shop/shoes", "/store", 301 },
    { "/shop/shoes/boot/left", "/store", 301 },
    { "/docs/", "/manual/", 301 },
    { "/docs/a/b", "/manual/a/b/", 301 },
    { "/ext/x", "https://ext.test//x", 302 },
    { "/go/evil.test", "/evil.test", 302 },
    { "/go/a b", "/a%20b", 302 },
    { "/go/%0d%0a", "/%250d%250a", 302 },
    { "/go/\r\nSet-Cookie: x", "/%0D%0ASet-Cookie:%20x", 302 },
    { "/anything/else", "/fallback.html", 200 },
  };
  for (const auto& c : cases) {
    const auto match = match_redirect(rules, c.path);
    ASSERT_TRUE(match.has_value()) << c.path;
    EXPECT_EQ(match->target, c.target) << c.path;
    EXPECT_EQ(match->status, c.status) << c.path;
  }
}

// A backslash that comes from the request, through a splat or placeholder, is encoded, so
// the target cannot become "/\evil.example" either.
TEST(RedirectRule, EncodesABackslashFromTheRequestPath)
{
  const RedirectRules rules = parse_redirects("/go/* /:splat 301\n/to/:name /:name 302\n");
  ASSERT_TRUE(rules.problems.empty());
  const auto splat = match_redirect(rules, "/go/\\evil.example");
  ASSERT_TRUE(splat);
  EXPECT_EQ(splat->target, "/%5Cevil.example");
  const auto placeholder = match_redirect(rules, "/to/\\evil.example");
  ASSERT_TRUE(placeholder);
  EXPECT_EQ(placeholder->target, "/%5Cevil.example");
}

TEST(RedirectRule, MatchesNothingWhenNoRuleApplies)
{
  const RedirectRules rules = parse_redirects("/a /b\n/c/* /d\n/e/:id /f/:id\n");
  ASSERT_EQ(rules.rules.size(), 3u);
  for (std::string_view path : { "/", "/A", "/a/", "/c", "/e/", "/e/1/2", "/x" }) {
    EXPECT_EQ(match_redirect(rules, path), std::nullopt) << path;
  }
  EXPECT_EQ(match_redirect(parse_redirects(""), "/a"), std::nullopt);
}

TEST(RedirectRule, StaticRulesAfterADynamicOneKeepFileOrder)
{
  const RedirectRules rules = parse_redirects("/p/* /dynamic\n/p/x /static 301\n");
  ASSERT_EQ(rules.rules.size(), 2u);
  EXPECT_TRUE(rules.static_index.empty());
  const auto match = match_redirect(rules, "/p/x");
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->target, "/dynamic");
  EXPECT_EQ(match->status, 302u);
}

TEST(TrailingSlash, RemovingRedirectsPagePathsEndingInASlashButNotTheRoot)
{
  const auto policy = rules::TrailingSlash::remove;
  const auto moved = trailing_slash_redirect(policy, "/docs/intro/", "docs/intro/");
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->target, "/docs/intro");
  EXPECT_EQ(moved->status, 308u);
  EXPECT_EQ(trailing_slash_redirect(policy, "/a%20b//", "a b/")->target, "/a%20b");
  EXPECT_FALSE(trailing_slash_redirect(policy, "/docs/intro", "docs/intro").has_value());
  EXPECT_FALSE(trailing_slash_redirect(policy, "/", "").has_value());
}

TEST(TrailingSlash, AddingSkipsFilesWithAnExtension)
{
  const auto policy = rules::TrailingSlash::add;
  const auto moved = trailing_slash_redirect(policy, "/docs/intro", "docs/intro");
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->target, "/docs/intro/");
  EXPECT_EQ(moved->status, 308u);
  EXPECT_FALSE(trailing_slash_redirect(policy, "/assets/app.js", "assets/app.js").has_value());
  EXPECT_FALSE(trailing_slash_redirect(policy, "/docs/intro/", "docs/intro/").has_value());
  EXPECT_FALSE(trailing_slash_redirect(policy, "/", "").has_value());
}

TEST(TrailingSlash, NeverRedirectsToAnotherHost)
{
  // "//evil.example/" folds to one page path; a Location of "//evil.example" would leave.
  const auto removed =
    trailing_slash_redirect(rules::TrailingSlash::remove, "//evil.example/", "evil.example/");
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->target, "/evil.example");
  const auto added = trailing_slash_redirect(rules::TrailingSlash::add, "///evil", "evil");
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->target, "/evil/");
  EXPECT_FALSE(trailing_slash_redirect(rules::TrailingSlash::keep, "/docs/", "docs/").has_value());
}

} // namespace reactor::edge
