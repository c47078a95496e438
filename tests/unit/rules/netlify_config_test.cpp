#include "reactor/rules/netlify_config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace reactor::rules {

namespace {

HostConfig
parsed(std::string_view text)
{
  auto config = parse_netlify_config(text);
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().message);
  return config ? *config : HostConfig{};
}

} // namespace

TEST(NetlifyConfig, ReadsSettingsAndRules)
{
  const auto config = parsed(R"([build]
base = "site"
command = "npm run build:netlify"
publish = "public"

[[redirects]]
from = "/old"
to = "/new"

[[redirects]]
from = "/blog/:slug/*"
to = "/posts/:slug/:splat"
status = 302
force = true

[[redirects]]
from = "/app/*"
to = "/app.html"
status = 200

[[headers]]
for = "/*"
[headers.values]
X-Frame-Options = "DENY"
Content-Security-Policy = """
  default-src 'self'"""
)");
  EXPECT_TRUE(config.problems.empty()) << config.problems.front();
  EXPECT_EQ(config.settings.root_dir, "site");
  EXPECT_EQ(config.settings.build_command, "npm run build:netlify");
  EXPECT_EQ(config.settings.output_dir, "public");
  ASSERT_EQ(config.redirects.size(), 3U);
  EXPECT_EQ(config.redirects[0].status, 301U); // Netlify's default
  EXPECT_EQ(config.redirects[0].line, 6U);
  EXPECT_EQ(config.redirects[1].from, "/blog/:slug/*");
  EXPECT_EQ(config.redirects[1].to, "/posts/:slug/:splat");
  EXPECT_EQ(config.redirects[1].status, 302U);
  EXPECT_EQ(config.redirects[2].status, 200U);
  ASSERT_EQ(config.headers.size(), 1U);
  EXPECT_EQ(config.headers[0].pattern, "/*");
  ASSERT_EQ(config.headers[0].set.size(), 2U);
  for (const auto& [name, value] : config.headers[0].set) {
    EXPECT_TRUE(name == "x-frame-options"
                  ? value == "DENY"
                  : name == "content-security-policy" && value == "  default-src 'self'")
      << name << ": " << value;
  }
}

TEST(NetlifyConfig, ReadsTheBuildEnvironmentWithNodeVersionAsTheNodeSetting)
{
  const auto config = parsed(R"([build]
command = "npm run build"
[build.environment]
NODE_VERSION = "18"
VITE_API_URL = "https://api.example.com"
RETRIES = 3
)");
  EXPECT_EQ(config.settings.node_version, "18");
  EXPECT_EQ(config.settings.env,
            (std::map<std::string, std::string>{ { "VITE_API_URL", "https://api.example.com" } }));
  ASSERT_EQ(config.problems.size(), 1U);
  EXPECT_EQ(config.problems[0],
            "line 6: [build.environment] \"RETRIES\" must be a string; ignored");
}

TEST(NetlifyConfig, NamesEveryUnsupportedKeyWithItsLine)
{
  const auto config = parsed(R"([build]
command = "make"
ignore = "git diff --quiet"
[build.environment]
NODE_VERSION = "20"

[[plugins]]
package = "@netlify/plugin-lighthouse"

[[redirects]]
from = "/search"
to = "/find"
query = { q = ":q" }

[[redirects]]
from = "/missing"
to = "/404.html"
status = 404

[[redirects]]
from = "/loop"
to = "/loop"

[[headers]]
for = "/a"
[headers.values]
Set-Cookie = "a=b"
X-Number = 3

[context.production]
command = "make prod"
)");
  const std::vector<std::string> expected = {
    "line 3: [build] \"ignore\" is not supported; ignored",
    "line 7: \"plugins\" is not supported; ignored",
    std::string("line 13: [[redirects]] \"query\" is not supported (it changes when the rule "
                "applies), so the redirect is left out; ignored"),
    std::string("line 18: [[redirects]] status must be 200, 301, 302, 303, 307 or 308 (custom "
                "404 pages are not supported); ignored"),
  };
  ASSERT_EQ(config.problems.size(), expected.size() + 4);
  EXPECT_EQ(config.settings.node_version, "20") << "[build.environment] is read";
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(config.problems[i], expected[i]);
  }
  EXPECT_TRUE(config.problems[4].starts_with("line 20: redirects \"/loop\"")) << config.problems[4];
  EXPECT_TRUE(config.problems[5].starts_with("line 27: header \"set-cookie\""))
    << config.problems[5];
  EXPECT_EQ(config.problems[6],
            "line 28: the value of header \"X-Number\" must be a string; ignored");
  EXPECT_EQ(config.problems[7], "line 30: \"context\" is not supported; ignored");
  EXPECT_EQ(config.settings.build_command, "make");
  EXPECT_TRUE(config.redirects.empty());
  EXPECT_TRUE(config.headers.empty());
}

TEST(NetlifyConfig, MalformedFilesNameTheLine)
{
  auto broken = parse_netlify_config("[build]\ncommand = \"npm run build\"\npublish = dist\n");
  ASSERT_FALSE(broken.has_value());
  EXPECT_TRUE(broken.error().message.starts_with("line 3: not valid TOML"))
    << broken.error().message;
  EXPECT_EQ(broken.error().fault, util::Fault::user);

  const auto wrong_shape = parsed("build = 3\nredirects = \"no\"\n");
  ASSERT_EQ(wrong_shape.problems.size(), 2U);
  EXPECT_EQ(wrong_shape.problems[0], "line 1: [build] must be a table; ignored");
  EXPECT_EQ(wrong_shape.problems[1], "line 2: [[redirects]] must be an array of tables; ignored");
}

} // namespace reactor::rules

namespace reactor::rules {

// Found by the fuzzer: toml++ 3.3 reaches undefined behaviour on these characters.
TEST(NetlifyConfig, RefusesTextTomlCannotRead)
{
  auto character = parse_netlify_config("# ok\nb\xef\xbb\x9f[b");
  ASSERT_FALSE(character.has_value());
  EXPECT_EQ(character.error().message,
            "line 2: the character U+FEDF cannot be read (a bug of the TOML library); write it as "
            "an escape, \\uFEDF, in a string");
  auto latin = parse_netlify_config("s = \"\"\"\\\n\xc2\xa7\"\"\"\n");
  ASSERT_FALSE(latin.has_value());
  EXPECT_TRUE(latin.error().message.starts_with("line 2: the character U+00A7"));
  auto invalid = parse_netlify_config("a = \"\xff\"\n");
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().message, "line 1: not valid UTF-8");
  // Whitespace toml++ does know, and characters outside the broken blocks, are fine.
  EXPECT_TRUE(parse_netlify_config("a = \"\xc2\xa0 \xe3\x80\x80 \xe2\x82\xac\"\n").has_value());
}

} // namespace reactor::rules
