#include "reactor/edge/redirect_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reactor::edge {

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

std::string
numbered_rules(std::size_t count, std::string_view prefix, std::string_view suffix)
{
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    text += std::string(prefix) + std::to_string(i) + std::string(suffix) + " /target\n";
  }
  return text;
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

TEST(RuleFile, SplitsLines)
{
  EXPECT_EQ(rule_file_lines("\xEF\xBB\xBF/a /b\r\n\n/c /d"),
            (std::vector<std::string_view>{ "/a /b", "", "/c /d" }));
  EXPECT_EQ(rule_file_lines("x\n"), (std::vector<std::string_view>{ "x" }));
  EXPECT_TRUE(rule_file_lines("").empty());
  EXPECT_EQ(quote_excerpt("a\x1b[31mb"), "\"a?[31mb\"");
  EXPECT_EQ(quote_excerpt(std::string(150, 'x')), "\"" + std::string(100, 'x') + "…\"");
}

TEST(RedirectRule, ParsesGoodRules)
{
  struct Case
  {
    std::string_view line;
    std::string_view from;
    std::string_view to;
    unsigned status;
  };
  const Case cases[] = {
    { "/home301 / 301", "/home301", "/", 301 },
    { "/home302 / 302", "/home302", "/", 302 },
    { "/twitch https://twitch.tv", "/twitch", "https://twitch.tv", 302 },
    { "/old http://legacy.example.com/x 308", "/old", "http://legacy.example.com/x", 308 },
    { "/querystrings /?query=string 301", "/querystrings", "/?query=string", 301 },
    { "/page/ /page2/#fragment 301", "/page/", "/page2/#fragment", 301 },
    { "/blog/* https://blog.my.domain/:splat", "/blog/*", "https://blog.my.domain/:splat", 302 },
    { "/products/:code/:name /products?code=:code&name=:name",
      "/products/:code/:name",
      "/products?code=:code&name=:name",
      302 },
    { "/see /other 303", "/see", "/other", 303 },
    { "/temp /other 307", "/temp", "/other", 307 },
    { "/app/* /app.html 200", "/app/*", "/app.html", 200 },
    { "/forced /x 301!", "/forced", "/x", 301 },
    { "\t  /spaced\t\t/x   301  ", "/spaced", "/x", 301 },
    { "/old-page /new-page 301 # moved", "/old-page", "/new-page", 301 },
    { "/blog/* /articles/:splat # migration", "/blog/*", "/articles/:splat", 302 },
    { "/page /page2#section 301", "/page", "/page2#section", 301 },
    { "/frag#x /y", "/frag", "/y", 302 },
  };
  for (const auto& c : cases) {
    const RedirectRules parsed = parse_redirects(c.line);
    EXPECT_TRUE(parsed.problems.empty()) << c.line << ": " << parsed.problems.front();
    ASSERT_EQ(parsed.rules.size(), 1u) << c.line;
    EXPECT_EQ(parsed.rules[0].from, c.from) << c.line;
    EXPECT_EQ(parsed.rules[0].to, c.to) << c.line;
    EXPECT_EQ(parsed.rules[0].status, c.status) << c.line;
    EXPECT_EQ(parsed.rules[0].line, 1u) << c.line;
  }
}

TEST(RedirectRule, ReportsAndDropsMalformedLines)
{
  struct Case
  {
    std::string_view line;
    std::string_view problem;
  };
  const Case cases[] = {
    { "/only-source", "expected \"source destination [status]\", got 1 field" },
    { "/a /b 301 extra", "got 4 fields" },
    { "/store id=:id /blog/:id 301", "conditions and query matching (\"id=:id\")" },
    { "/ /us 302 Country=us", "conditions and query matching (\"Country=us\")" },
    { "/a /b 404", "status \"404\" is not supported" },
    { "/a /b 200!!", "status \"200!!\" is not supported" },
    { "/a /b 30x", "status \"30x\" is not supported" },
    { "/a /b 3010", "status \"3010\" is not supported" },
    { "/a /b 201", "status \"201\" is not supported" },
    { "relative /b", "source \"relative\": must start with \"/\"" },
    { "https://a.test/x /b 301", "domain-level redirects are not supported" },
    { "/a/*/* /b", "more than one \"*\"" },
    { "/blog-:year /b", "must be a whole path segment" },
    { "/:a/:a /b", "appears twice" },
    { "/:splat /b", "reserved" },
    { "/a%20b /b", "percent-escapes" },
    { "/a b", "destination \"b\" must be a path starting with a single \"/\"" },
    { "/a //evil.test", "destination \"//evil.test\" must be a path starting with a single" },
    { "/a ftp://x.test/", "must be a path starting with a single \"/\" or an http(s):// URL" },
    { "/a https:///x", "must be a path starting with a single \"/\" or an http(s):// URL" },
    { "/a /b\x01", "contains control characters" },
    { "/a /\\evil.example", "destination \"/\\evil.example\" holds a backslash" },
    { "/a /\\\\evil.example 301", "holds a backslash" },
    { "/a /docs\\..\\\\evil.example", "holds a backslash" },
    { "/a \\evil.example", "must be a path starting with a single \"/\"" },
    { "/a https://other.test/ 200", "status 200 rewrites must point to a path on this site" },
    { "/* /index.html 200", "would answer every path under it, assets included" },
    { "/app/* /app/index 200", "would answer every path under it, assets included" },
    { "/* /index.html 301", "would answer every path under it" },
    { "/a /a 301", "an endless redirect loop" },
    { "/docs/* /docs/start 301", "an endless redirect loop" },
    { "/:x /same 302", "an endless redirect loop" },
  };
  for (const auto& c : cases) {
    const RedirectRules parsed = parse_redirects(c.line);
    EXPECT_TRUE(parsed.rules.empty()) << c.line;
    ASSERT_EQ(parsed.problems.size(), 1u) << c.line;
    EXPECT_TRUE(parsed.problems[0].starts_with("line 1: ")) << parsed.problems[0];
    EXPECT_NE(parsed.problems[0].find(c.problem), std::string::npos)
      << c.line << " → " << parsed.problems[0];
  }
}

TEST(RedirectRule, NamesTheLineOfEachProblemAndKeepsTheRest)
{
  const RedirectRules parsed = parse_redirects("# comment\n"
                                               "\n"
                                               "/a /b 301\n"
                                               "   # indented comment\n"
                                               "/bad\n"
                                               "/c /d\r\n"
                                               "/a /z\n"
                                               "/e /f 999\n"
                                               "/g /h 308");
  ASSERT_EQ(parsed.rules.size(), 3u);
  EXPECT_EQ(parsed.rules[0].from, "/a");
  EXPECT_EQ(parsed.rules[0].line, 3u);
  EXPECT_EQ(parsed.rules[1].from, "/c");
  EXPECT_EQ(parsed.rules[1].to, "/d");
  EXPECT_EQ(parsed.rules[1].line, 6u);
  EXPECT_EQ(parsed.rules[2].from, "/g");
  EXPECT_EQ(parsed.rules[2].line, 9u);
  ASSERT_EQ(parsed.problems.size(), 3u);
  EXPECT_TRUE(parsed.problems[0].starts_with("line 5: expected")) << parsed.problems[0];
  EXPECT_TRUE(parsed.problems[1].starts_with("line 7: duplicate source \"/a\" (the rule on line 3"))
    << parsed.problems[1];
  EXPECT_TRUE(parsed.problems[2].starts_with("line 8: status \"999\"")) << parsed.problems[2];
}

TEST(RedirectRule, IgnoresTheQueryStringOfASourceAndSaysSo)
{
  const RedirectRules parsed = parse_redirects("/store?id=1 /shop 301");
  ASSERT_EQ(parsed.rules.size(), 1u);
  EXPECT_EQ(parsed.rules[0].from, "/store");
  ASSERT_EQ(parsed.problems.size(), 1u);
  EXPECT_EQ(parsed.problems[0],
            "line 1: the query string \"?id=1\" in the source is ignored: the rule matches "
            "\"/store\" with any query");
}

TEST(RedirectRule, LimitsLineLength)
{
  const std::string target = "/" + std::string(k_max_redirect_line - 4, 'x');
  const std::string longest = "/a " + target;
  ASSERT_EQ(longest.size(), k_max_redirect_line);
  EXPECT_EQ(parse_redirects(longest).rules.size(), 1u);
  EXPECT_EQ(parse_redirects("  " + longest + "  ").rules.size(), 1u);

  const RedirectRules too_long = parse_redirects("/b /ok\n" + longest + "x");
  ASSERT_EQ(too_long.rules.size(), 1u);
  ASSERT_EQ(too_long.problems.size(), 1u);
  EXPECT_EQ(too_long.problems[0],
            "line 2: longer than the limit of 1000 characters (1001); ignored");
}

TEST(RedirectRule, LimitsStaticRules)
{
  const RedirectRules at_limit = parse_redirects(numbered_rules(k_max_static_redirects, "/s", ""));
  EXPECT_EQ(at_limit.rules.size(), k_max_static_redirects);
  EXPECT_EQ(at_limit.static_index.size(), k_max_static_redirects);
  EXPECT_TRUE(at_limit.problems.empty());

  const RedirectRules over =
    parse_redirects(numbered_rules(k_max_static_redirects + 3, "/s", "") + "/d/* /dynamic\n");
  EXPECT_EQ(over.rules.size(), k_max_static_redirects + 1);
  EXPECT_EQ(over.rules.back().from, "/d/*");
  ASSERT_EQ(over.problems.size(), 1u);
  EXPECT_EQ(over.problems[0],
            "line 2001: more than 2000 static rules; 3 rules from this line on ignored");
  EXPECT_TRUE(match_redirect(over, "/s1999"));
  EXPECT_FALSE(match_redirect(over, "/s2000"));
  EXPECT_TRUE(match_redirect(over, "/d/x"));
}

TEST(RedirectRule, LimitsDynamicRulesAndCountsRulesAfterTheFirstDynamicOne)
{
  const RedirectRules at_limit =
    parse_redirects(numbered_rules(k_max_dynamic_redirects - 1, "/d", "/*") + "/static /t\n");
  EXPECT_EQ(at_limit.rules.size(), k_max_dynamic_redirects);
  EXPECT_TRUE(at_limit.static_index.empty());
  EXPECT_TRUE(at_limit.problems.empty());

  const RedirectRules over = parse_redirects(numbered_rules(k_max_dynamic_redirects, "/d", "/*") +
                                             "/static /t\n/bad\n/other /t\n");
  EXPECT_EQ(over.rules.size(), k_max_dynamic_redirects);
  ASSERT_EQ(over.problems.size(), 1u);
  EXPECT_TRUE(over.problems[0].starts_with("line 101: more than 100 dynamic rules"))
    << over.problems[0];
  EXPECT_NE(over.problems[0].find("the rest of the file are ignored"), std::string::npos);
  EXPECT_FALSE(match_redirect(over, "/static"));
}

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

} // namespace reactor::edge
