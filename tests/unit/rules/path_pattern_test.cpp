#include "reactor/rules/path_pattern.hpp"

#include <gtest/gtest.h>

#include <string>

namespace reactor::rules {

namespace {

// "name=value;…" in capture order, "-" when the path does not match.
std::string
captures_of(std::string_view pattern, std::string_view path)
{
  PathCaptures captures{ { "stale", "value" } };
  if (!match_path_pattern(pattern, path, &captures)) {
    return captures.empty() ? "-" : "- (captures left behind)";
  }
  std::string out;
  for (const auto& capture : captures) {
    out += std::string(capture.name) + "=" + std::string(capture.value) + ";";
  }
  return out;
}

} // namespace

TEST(PathPatternRule, MatchesSplatsAndPlaceholders)
{
  struct Case
  {
    std::string_view pattern;
    std::string_view path;
    std::string_view captures;
  };
  const Case cases[] = {
    { "/a", "/a", "" },
    { "/a", "/a/", "-" },
    { "/a/", "/a", "-" },
    { "/a", "/A", "-" },
    { "/a", "/ab", "-" },
    { "/", "/", "" },
    { "/*", "/", "splat=;" },
    { "/*", "/x/y.js", "splat=x/y.js;" },
    { "/a*", "/a/b", "splat=/b;" },
    { "/a/*", "/a", "-" },
    { "/a/*", "/a/", "splat=;" },
    { "/a/*", "/a/b/c", "splat=b/c;" },
    { "/a/*", "/b/a/c", "-" },
    { "/*.jpg", "/x/y.jpg", "splat=x/y;" },
    { "/*.jpg", "/.jpg", "splat=;" },
    { "/*.jpg", "/x.jpg.png", "-" },
    { "/files/*/raw", "/files/a/b/raw", "splat=a/b;" },
    { "/files/*/raw", "/files/raw", "-" },
    { "/files/*/raw", "/files//raw", "splat=;" },
    { "/:id", "/42", "id=42;" },
    { "/:id", "/", "-" },
    { "/:id", "/a/b", "-" },
    { "/:id/", "/42/", "id=42;" },
    { "/:id/", "/42", "-" },
    { "/blog/:year/:month/:slug",
      "/blog/2024/05/hello-world",
      "year=2024;month=05;slug=hello-world;" },
    { "/blog/:year/:month/:slug", "/blog/2024/05", "-" },
    { "/blog/:year/:month/:slug", "/blog/2024//x", "-" },
    { "/:lang/*", "/en/docs/intro", "lang=en;splat=docs/intro;" },
    { "/:lang/*", "/en", "-" },
    { "/*/x/:id", "/a/b/x/42", "id=42;splat=a/b;" },
    { "/*/x/:id", "/x/42", "-" },
    { "/*/x/:id", "//x/42", "id=42;splat=;" },
    { "/*/x/:id", "/a/x/42/more", "-" },
    { "/*/:a/:b.txt", "/p/q/r/:b.txt", "a=r;splat=p/q;" },
    { "/*/:a/:b.txt", "/p/q/r/s.txt", "-" },
    { "/user:name", "/user:name", "" },
    { "/user:name", "/userjoe", "-" },
  };
  for (const auto& c : cases) {
    EXPECT_EQ(captures_of(c.pattern, c.path), c.captures) << c.pattern << " " << c.path;
  }
}

TEST(PathPatternRule, MatchesWithoutCaptures)
{
  EXPECT_TRUE(match_path_pattern("/a/:id/*", "/a/1/x", nullptr));
  EXPECT_FALSE(match_path_pattern("/a/:id/*", "/b/1/x", nullptr));
}

TEST(PathPatternRule, ReportsInvalidPatterns)
{
  struct Case
  {
    std::string_view pattern;
    std::string_view problem; // empty: valid
  };
  const Case cases[] = {
    { "/", "" },
    { "/a/*", "" },
    { "/*.jpg", "" },
    { "/:a/:b/*", "" },
    { "/a:1", "" },
    { "/café", "" },
    { "a/b", "must start with \"/\"" },
    { "", "must start with \"/\"" },
    { "/a/*/*", "more than one \"*\"" },
    { "/blog-:year", "placeholder \":year\" must be a whole path segment" },
    { "/:year-:month", "placeholder \":year\" must be a whole path segment" },
    { "/:id*", "placeholder \":id\" must be a whole path segment" },
    { "/*:id", "placeholder \":id\" must be a whole path segment" },
    { "/:a/:a", "placeholder \":a\" appears twice" },
    { "/:splat", "\":splat\" is reserved" },
    { "/hello%20world", "percent-escapes are not supported" },
    { "/a\x01", "control characters" },
    { "/a b", "spaces" },
  };
  for (const auto& c : cases) {
    const auto problem = path_pattern_problem(c.pattern);
    if (c.problem.empty()) {
      EXPECT_EQ(problem, std::nullopt) << c.pattern;
    } else {
      ASSERT_TRUE(problem.has_value()) << c.pattern;
      EXPECT_NE(problem->find(c.problem), std::string::npos) << c.pattern << ": " << *problem;
    }
  }
}

TEST(PathPatternRule, SubstitutesCapturesEncoded)
{
  const PathCaptures captures{ { "id", "42" },
                               { "splat", "a b/c%d?e#f\r\nSet-Cookie:x\xC3\xA9" },
                               { "name", "x&y=z@q:r" } };
  EXPECT_EQ(substitute_captures("/p/:id", captures), "/p/42");
  EXPECT_EQ(substitute_captures("/s/:splat", captures),
            "/s/a%20b/c%25d%3Fe%23f%0D%0ASet-Cookie:x%C3%A9");
  EXPECT_EQ(substitute_captures("/?n=:name", captures), "/?n=x&y=z@q:r");
  EXPECT_EQ(substitute_captures("/:id_2/:ids/:unknown", captures), "/:id_2/:ids/:unknown");
  EXPECT_EQ(substitute_captures("https://x.test:8080/:id", captures), "https://x.test:8080/42");
  EXPECT_EQ(substitute_captures("/:id:id", captures), "/4242");
  EXPECT_EQ(substitute_captures("trailing:", captures), "trailing:");
}

} // namespace reactor::rules
