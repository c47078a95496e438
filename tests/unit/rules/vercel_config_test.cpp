#include "reactor/rules/vercel_config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace reactor::rules {

namespace {

HostConfig
parsed(std::string_view text)
{
  auto config = parse_vercel_config(text);
  EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().message);
  return config ? *config : HostConfig{};
}

} // namespace

TEST(VercelConfig, ReadsSettingsAndRules)
{
  const auto config = parsed(R"json({
    "$schema": "https://openapi.vercel.sh/vercel.json",
    "buildCommand": "npm run build:prod",
    "installCommand": "npm ci",
    "outputDirectory": "out",
    "rewrites": [ { "source": "/api/:path*", "destination": "/api.html?p=:path*" } ],
    "redirects": [
      { "source": "/old", "destination": "/new" },
      { "source": "/temp/:slug", "destination": "/t/:slug", "permanent": false },
      { "source": "/docs/(.*)", "destination": "https://docs.example.com/$1", "statusCode": 301 }
    ],
    "headers": [ { "source": "/assets/:file", "headers": [
      { "key": "Cache-Control", "value": "max-age=60" },
      { "key": "X-File", "value": ":file" },
      { "key": "cache-control", "value": "public" } ] } ]
  })json");
  EXPECT_TRUE(config.problems.empty()) << config.problems.front();
  EXPECT_EQ(config.settings.build_command, "npm run build:prod");
  EXPECT_EQ(config.settings.install_command, "npm ci");
  EXPECT_EQ(config.settings.output_dir, "out");
  ASSERT_EQ(config.redirects.size(), 4U);
  EXPECT_EQ(config.redirects[0].from, "/api/*");
  EXPECT_EQ(config.redirects[0].to, "/api.html?p=:splat");
  EXPECT_EQ(config.redirects[0].status, 200U);
  EXPECT_EQ(config.redirects[1].status, 308U);
  EXPECT_EQ(config.redirects[2].from, "/temp/:slug");
  EXPECT_EQ(config.redirects[2].to, "/t/:slug");
  EXPECT_EQ(config.redirects[2].status, 307U);
  EXPECT_EQ(config.redirects[3].from, "/docs/*");
  EXPECT_EQ(config.redirects[3].to, "https://docs.example.com/:splat");
  EXPECT_EQ(config.redirects[3].status, 301U);
  ASSERT_EQ(config.headers.size(), 1U);
  EXPECT_EQ(config.headers[0].pattern, "/assets/:file");
  const std::vector<std::pair<std::string, std::string>> expected = {
    { "cache-control", "max-age=60, public" }, { "x-file", ":file" }
  };
  EXPECT_EQ(config.headers[0].set, expected);
}

TEST(VercelConfig, CleanUrlsRedirectsHtmlPathsToTheirCleanForm)
{
  const auto config = parsed(R"json({ "cleanUrls": true })json");
  EXPECT_TRUE(config.problems.empty()) << config.problems.front();
  std::vector<std::string> rules;
  for (const auto& rule : config.redirects) {
    EXPECT_EQ(rule.status, 308U);
    rules.push_back(rule.from + " " + rule.to);
  }
  EXPECT_EQ(
    rules,
    (std::vector<std::string>{ "/index.html /", "/*/index.html /:splat", "/*.html /:splat" }));
  EXPECT_TRUE(parsed(R"json({ "cleanUrls": false })json").redirects.empty());
}

TEST(VercelConfig, ReadsTheBuildStepsVariables)
{
  const auto config = parse_vercel_config(
    R"({"build": {"env": {"NEXT_PUBLIC_SITE": "https://example.com", "N": 1}, "cache": true}})");
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->settings.env,
            (std::map<std::string, std::string>{ { "NEXT_PUBLIC_SITE", "https://example.com" } }));
  EXPECT_EQ(config->problems.size(), 2U) << "build.env.N and build.cache are named";
}

TEST(VercelConfig, ConvertsPathToRegexpSources)
{
  struct Case
  {
    std::string_view source;
    std::string_view destination;
    std::string_view from; // empty: not converted
    std::string_view to;
  };
  const Case cases[] = {
    { "/:path*", "/new/:path*", "/*", "/new/:splat" },
    { "/blog/:path+", "/b/:path", "/blog/*", "/b/:splat" },
    { "/api/:rest(.*)", "/a?r=:rest", "/api/*", "/a?r=:splat" },
    { "/(.*)", "/x/$1", "/*", "/x/:splat" },
    { "/u/:id/posts/:post", "/p/:post?u=:id", "/u/:id/posts/:post", "/p/:post?u=:id" },
    { "/page.html", "/page", "/page.html", "/page" },
    { "/:slug.html", "/x", "", "" },
    { "/:a?", "/x", "", "" },
    { "/:id(\\\\d+)", "/x", "", "" },
    { "/[abc]", "/x", "", "" },
    { "/:a*/:b*", "/x", "", "" },
  };
  for (const auto& c : cases) {
    const std::string text = R"({"redirects":[{"source":")" + std::string(c.source) +
                             R"(","destination":")" + std::string(c.destination) + R"("}]})";
    const auto config = parsed(text);
    if (c.from.empty()) {
      EXPECT_TRUE(config.redirects.empty()) << c.source;
      ASSERT_EQ(config.problems.size(), 1U) << c.source;
      EXPECT_TRUE(config.problems[0].starts_with("redirects[0]: ")) << config.problems[0];
      continue;
    }
    ASSERT_EQ(config.redirects.size(), 1U) << c.source << ": " << config.problems.front();
    EXPECT_EQ(config.redirects[0].from, c.from);
    EXPECT_EQ(config.redirects[0].to, c.to);
  }
}

TEST(VercelConfig, TrailingSlashTrueAddsOneFalseRemovesIt)
{
  EXPECT_EQ(parsed(R"({"trailingSlash": true})").trailing_slash, TrailingSlash::add);
  EXPECT_EQ(parsed(R"({"trailingSlash": false})").trailing_slash, TrailingSlash::remove);
  EXPECT_EQ(parsed(R"({"trailingSlash": null})").trailing_slash, TrailingSlash::keep);
  EXPECT_EQ(parsed("{}").trailing_slash, TrailingSlash::keep);
  EXPECT_TRUE(parsed(R"({"trailingSlash": true})").problems.empty());
}

TEST(VercelConfig, NamesEveryUnsupportedKey)
{
  const auto config = parsed(R"json({
    "cleanUrls": "yes",
    "trailingSlash": "yes",
    "functions": {},
    "framework": "vite",
    "buildCommand": 12,
    "installCommand": "",
    "rewrites": [
      { "source": "/a", "destination": "/b", "has": [ { "type": "host", "value": "x" } ] },
      { "source": "/c/:id(\\d+)", "destination": "/d" },
      { "source": "/e", "destination": "https://api.example.com/e" },
      { "source": "/f/:a*/g/:b*", "destination": "/h" },
      "nonsense"
    ],
    "redirects": [ { "source": "/x", "destination": "/y", "statusCode": 404 } ],
    "headers": [ { "source": "/z", "headers": [ { "key": "Set-Cookie", "value": "a=b" } ] } ]
  })json");
  const std::vector<std::string> expected_prefixes = {
    "cleanUrls: ",      "trailingSlash: ", "\"functions\": ", "\"framework\": ", "buildCommand: ",
    "installCommand: ", "rewrites[0]: ",   "rewrites[1]: ",   "rewrites[2]: ",   "rewrites[3]: ",
    "rewrites[4]: ",    "redirects[0]: ",  "headers[0]: ",
  };
  ASSERT_EQ(config.problems.size(), expected_prefixes.size());
  for (std::size_t i = 0; i < expected_prefixes.size(); ++i) {
    EXPECT_TRUE(config.problems[i].starts_with(expected_prefixes[i])) << config.problems[i];
    EXPECT_TRUE(config.problems[i].ends_with("; ignored")) << config.problems[i];
  }
  EXPECT_NE(config.problems[6].find("\"has\" (a condition)"), std::string::npos);
  EXPECT_NE(config.problems[12].find("set-cookie"), std::string::npos);
  EXPECT_TRUE(config.settings.build_command.empty());
  EXPECT_TRUE(config.redirects.empty());
  EXPECT_TRUE(config.headers.empty());
}

TEST(VercelConfig, MalformedFilesNameTheLine)
{
  auto broken = parse_vercel_config("{\n  \"rewrites\": [\n    { \"source\": \"/a\", }\n  ]\n}");
  ASSERT_FALSE(broken.has_value());
  EXPECT_TRUE(broken.error().message.starts_with("line 3: not valid JSON"))
    << broken.error().message;
  EXPECT_EQ(broken.error().fault, util::Fault::user);

  auto array = parse_vercel_config("[]");
  ASSERT_FALSE(array.has_value());
  EXPECT_EQ(array.error().message, "line 1: must be a JSON object");

  auto trailing = parse_vercel_config("{}\n}");
  EXPECT_FALSE(trailing.has_value());
}

TEST(VercelConfig, NullSettingsMeanTheDefault)
{
  const auto config = parsed(R"json({ "buildCommand": null, "outputDirectory": null })json");
  EXPECT_TRUE(config.problems.empty());
  EXPECT_TRUE(config.settings.build_command.empty());
}

} // namespace reactor::rules
