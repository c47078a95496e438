#include "reactor/rules/headers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace reactor::rules {

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

std::string
numbered_rules(std::size_t count)
{
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    text += "/r" + std::to_string(i) + "\n  X-Rule: " + std::to_string(i) + "\n";
  }
  return text;
}

} // namespace

TEST(HeaderRule, ParsesBlocks)
{
  const HeaderRules parsed =
    parse_headers(std::string(k_example) + "/movies/:title\n"
                                           "x-movie-name: You are watching \":title\"\n"
                                           "\t! Content-Security-Policy\n"
                                           "  !X-Powered-By\n"
                                           "  Link: </a>; rel=preload\r\n"
                                           "  link: </b>; rel=preload\n"
                                           "  ! content-security-policy\n"
                                           "  X-Empty-Looking:   value with  spaces  \n");
  ASSERT_TRUE(parsed.problems.empty()) << parsed.problems.front();
  ASSERT_EQ(parsed.rules.size(), 4u);
  EXPECT_EQ(parsed.rules[0].pattern, "/secure/page");
  EXPECT_EQ(parsed.rules[0].line, 2u);
  EXPECT_EQ(parsed.rules[0].set,
            (Headers{ { "x-frame-options", "DENY" },
                      { "x-content-type-options", "nosniff" },
                      { "referrer-policy", "no-referrer" } }));
  EXPECT_TRUE(parsed.rules[0].detach.empty());
  EXPECT_EQ(parsed.rules[1].pattern, "/static/*");
  EXPECT_EQ(parsed.rules[1].line, 7u);
  EXPECT_EQ(parsed.rules[2].pattern, "/static/*.css");
  EXPECT_EQ(parsed.rules[3].pattern, "/movies/:title");
  EXPECT_EQ(parsed.rules[3].line, 13u);
  EXPECT_EQ(parsed.rules[3].set,
            (Headers{ { "x-movie-name", "You are watching \":title\"" },
                      { "link", "</a>; rel=preload, </b>; rel=preload" },
                      { "x-empty-looking", "value with  spaces" } }));
  EXPECT_EQ(parsed.rules[3].detach, (Names{ "content-security-policy", "x-powered-by" }));
}

TEST(HeaderRule, ReportsAndDropsMalformedLines)
{
  struct Case
  {
    std::string_view text;
    std::string_view problem; // the only problem, "line N: …"
    std::size_t rules;        // rules kept
  };
  const Case cases[] = {
    { "X-Frame-Options: DENY\n/a\n  X-A: 1", "line 1: header line before any path; ignored", 1 },
    { "! X-Powered-By\n/a\n  X-A: 1", "line 1: header line before any path; ignored", 1 },
    { "/a\n  X-A: 1\n  just words", "line 3: expected \"Name: value\" or \"! Name\"", 1 },
    { "/a\n  X-A: 1\n  Bad Name: x", "line 3: invalid header name \"Bad Name\"", 1 },
    { "/a\n  X-A: 1\n  X(B): x", "line 3: invalid header name \"X(B)\"", 1 },
    { "/a\n  X-A: 1\n  : x", "line 3: missing header name", 1 },
    { "/a\n  X-A: 1\n  X-B:", "line 3: header \"x-b\" has no value", 1 },
    { "/a\n  X-A: 1\n  X-B:   ", "line 3: header \"x-b\" has no value", 1 },
    { "/a\n  X-A: 1\n  X-B: a\rb",
      "line 3: the value of header \"x-b\" contains control characters",
      1 },
    { "/a\n  X-A: 1\n  ! Bad Name", "line 3: invalid header name \"Bad Name\"", 1 },
    { "/a\n  X-A: 1\n  !", "line 3: missing header name", 1 },
    { "/a\n  X-A: 1\n  Content-Length: 5",
      "line 3: header \"content-length\" is managed by the server",
      1 },
    { "/a\n  X-A: 1\n  ! Transfer-Encoding", "line 3: header \"transfer-encoding\" is managed", 1 },
    { "/a\n  X-A: 1\n  connection: close", "line 3: header \"connection\" is managed", 1 },
    // What a site must not send: a cookie for the shared parent domain, a body encoding
    // or range the server did not make, a redirect outside _redirects.
    { "/a\n  X-A: 1\n  Set-Cookie: session=x; Domain=example.test",
      "line 3: header \"set-cookie\" cannot be set or detached: every site shares the parent "
      "domain",
      1 },
    { "/*\n  X-A: 1\n  set-cookie2: a=b", "line 3: header \"set-cookie2\" cannot be set", 1 },
    { "/*\n  X-A: 1\n  Clear-Site-Data: \"cookies\"",
      "line 3: header \"clear-site-data\" cannot be set",
      1 },
    { "/a\n  X-A: 1\n  Content-Encoding: gzip",
      "line 3: header \"content-encoding\" cannot be set",
      1 },
    { "/a\n  X-A: 1\n  ! Content-Encoding", "line 3: header \"content-encoding\" cannot be", 1 },
    { "/a\n  X-A: 1\n  Content-Range: bytes 0-1/2",
      "line 3: header \"content-range\" cannot be set",
      1 },
    { "/a\n  X-A: 1\n  Location: https://evil.example/",
      "line 3: header \"location\" cannot be set or detached: write redirects in _redirects",
      1 },
    { "/a\n  X-A: 1\n  Status: 302", "line 3: header \"status\" cannot be set", 1 },
    { "/a\n/b\n  X-B: 1", "line 1: rule for \"/a\" sets or detaches no headers; ignored", 1 },
    { "/b\n  X-B: 1\n/a", "line 3: rule for \"/a\" sets or detaches no headers; ignored", 1 },
    { "https://:project.pages.dev/*\n  X-Robots-Tag: noindex\n/b\n  X-B: 1",
      "line 1: absolute URL patterns such as \"https://:project.pages.dev/*\" are not supported",
      1 },
    { "/a/*/*\n  X-A: 1\n  Bad Name: 2\n/b\n  X-B: 1",
      "line 1: path \"/a/*/*\": more than one \"*\"",
      1 },
    { "/blog-:slug\n  X-A: 1\n/b\n  X-B: 1", "line 1: path \"/blog-:slug\": placeholder", 1 },
    { "/a /b\n  X-A: 1\n/b\n  X-B: 1", "line 1: a rule's first line must hold one path", 1 },
    { "/a%2F\n  X-A: 1\n/b\n  X-B: 1", "line 1: path \"/a%2F\": percent-escapes", 1 },
  };
  for (const auto& c : cases) {
    const HeaderRules parsed = parse_headers(c.text);
    EXPECT_EQ(parsed.rules.size(), c.rules) << c.text;
    ASSERT_EQ(parsed.problems.size(), 1u) << c.text;
    EXPECT_TRUE(parsed.problems[0].starts_with(c.problem)) << c.text << " → " << parsed.problems[0];
  }
}

TEST(HeaderRule, LimitsRulesAndLineLength)
{
  const HeaderRules at_limit = parse_headers(numbered_rules(k_max_header_rules));
  EXPECT_EQ(at_limit.rules.size(), k_max_header_rules);
  EXPECT_TRUE(at_limit.problems.empty());

  const HeaderRules over = parse_headers(numbered_rules(k_max_header_rules + 2) + "garbage\n");
  EXPECT_EQ(over.rules.size(), k_max_header_rules);
  EXPECT_EQ(over.rules.back().pattern, "/r99");
  ASSERT_EQ(over.problems.size(), 1u);
  EXPECT_EQ(over.problems[0],
            "line 201: more than 100 rules; this rule and the rest of the file are ignored");

  const std::string prefix = "  X-Long: ";
  const std::string longest = prefix + std::string(k_max_header_line - prefix.size(), 'v');
  ASSERT_EQ(longest.size(), k_max_header_line);
  const HeaderRules fits = parse_headers("/a\n" + longest + "\n");
  ASSERT_EQ(fits.rules.size(), 1u);
  EXPECT_TRUE(fits.problems.empty());

  const HeaderRules too_long = parse_headers("/a\n  X-A: 1\n" + longest + " \n");
  ASSERT_EQ(too_long.rules.size(), 1u);
  EXPECT_EQ(too_long.rules[0].set, (Headers{ { "x-a", "1" } }));
  ASSERT_EQ(too_long.problems.size(), 1u);
  EXPECT_EQ(too_long.problems[0],
            "line 3: longer than the limit of 2000 characters (2001); ignored");
}

} // namespace reactor::rules
