#include "reactor/rules/redirects.hpp"

#include <gtest/gtest.h>

#include <string>

namespace reactor::rules {

namespace {

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
  EXPECT_TRUE(over.static_index.contains("/s1999"));
  EXPECT_FALSE(over.static_index.contains("/s2000"));
  EXPECT_EQ(over.static_index.size(), k_max_static_redirects);
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
  EXPECT_EQ(over.rules.back().from, "/d99/*"); // "/static" on line 101 is not kept
}

TEST(RedirectRule, IndexesTheLeadingStaticRulesOfRulesReadBack)
{
  const RedirectRules parsed = parse_redirects("/a /x\n/b /y 301\n/c/* /z\n/d /w\n");
  RedirectRules read_back{ parsed.rules, {}, {} };
  index_static_redirects(read_back);
  EXPECT_EQ(read_back.static_index, parsed.static_index);
  EXPECT_EQ(read_back.static_index,
            (std::map<std::string, std::size_t, std::less<>>{ { "/a", 0 }, { "/b", 1 } }));
}

} // namespace reactor::rules
