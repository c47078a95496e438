#include "reactor/objects/manifest.hpp"

#include <gtest/gtest.h>

namespace reactor::objects {

TEST(Manifest, KeysFollowTheLayout)
{
  EXPECT_EQ(blob_key("abc"), "blobs/abc");
  EXPECT_EQ(manifest_key("abc123xyz0"), "manifests/abc123xyz0.json");
}

TEST(Manifest, RoundTripsThroughJson)
{
  Manifest manifest;
  manifest.deployment_id = "abc123xyz0";
  manifest.files["index.html"] = { std::string(64, 'a'), 1234, "text/html; charset=utf-8" };
  manifest.files["assets/app \"x\".js"] = { std::string(64, 'b'),
                                            0,
                                            "text/javascript; charset=utf-8" };
  manifest.files["big.bin"] = { std::string(64, 'c'),
                                5'000'000'000ull,
                                "application/octet-stream" };
  const auto parsed = parse_manifest(to_json(manifest));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->deployment_id, manifest.deployment_id);
  ASSERT_EQ(parsed->files.size(), 3u);
  for (const auto& [path, entry] : manifest.files) {
    const auto it = parsed->files.find(path);
    ASSERT_NE(it, parsed->files.end()) << path;
    EXPECT_EQ(it->second.hash, entry.hash);
    EXPECT_EQ(it->second.size, entry.size);
    EXPECT_EQ(it->second.content_type, entry.content_type);
  }
}

TEST(Manifest, RoundTripsTheRules)
{
  Manifest manifest;
  manifest.deployment_id = "abc123xyz0";
  manifest.files["_redirects"] = { std::string(64, 'a'), 40, "application/octet-stream" };
  manifest.rules = rules::SiteRules{
    rules::parse_redirects("/old /new 301\n/blog/:year/* /posts/:year/:splat\n/a /b 200\n"),
    rules::parse_headers("/*\n  X-A: 1\n  x-a: 2\n  ! Server\n/docs/:page\n  Link: </:page>\n"),
  };
  const std::string json = to_json(manifest);
  EXPECT_NE(json.find("\"version\":2"), std::string::npos) << json;
  const auto parsed = parse_manifest(json);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  ASSERT_TRUE(parsed->rules.has_value());
  EXPECT_EQ(parsed->files.size(), 1u);

  const auto& redirects = parsed->rules->redirects;
  ASSERT_EQ(redirects.rules.size(), 3u);
  for (std::size_t i = 0; i < redirects.rules.size(); ++i) {
    const auto& rule = redirects.rules[i];
    const auto& expected = manifest.rules->redirects.rules[i];
    EXPECT_EQ(rule.from, expected.from);
    EXPECT_EQ(rule.to, expected.to);
    EXPECT_EQ(rule.status, expected.status);
    EXPECT_EQ(rule.line, expected.line);
  }
  EXPECT_EQ(redirects.static_index, manifest.rules->redirects.static_index);
  EXPECT_TRUE(redirects.problems.empty());

  const auto& headers = parsed->rules->headers;
  ASSERT_EQ(headers.rules.size(), 2u);
  for (std::size_t i = 0; i < headers.rules.size(); ++i) {
    EXPECT_EQ(headers.rules[i].pattern, manifest.rules->headers.rules[i].pattern);
    EXPECT_EQ(headers.rules[i].set, manifest.rules->headers.rules[i].set);
    EXPECT_EQ(headers.rules[i].detach, manifest.rules->headers.rules[i].detach);
    EXPECT_EQ(headers.rules[i].line, manifest.rules->headers.rules[i].line);
  }
  EXPECT_EQ(headers.rules[0].set,
            (std::vector<std::pair<std::string, std::string>>{ { "x-a", "1, 2" } }));
  EXPECT_EQ(parsed->rules->trailing_slash, rules::TrailingSlash::keep);
  EXPECT_EQ(json.find("trailingSlash"), std::string::npos) << json;
}

TEST(Manifest, RoundTripsTheTrailingSlashPolicy)
{
  for (const auto policy : { rules::TrailingSlash::add, rules::TrailingSlash::remove }) {
    Manifest manifest;
    manifest.deployment_id = "abc123xyz0";
    manifest.rules = rules::SiteRules{ .trailing_slash = policy };
    const auto parsed = parse_manifest(to_json(manifest));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    ASSERT_TRUE(parsed->rules.has_value());
    EXPECT_EQ(parsed->rules->trailing_slash, policy);
  }
}

TEST(Manifest, RoundTripsTheBrotliDeadline)
{
  Manifest manifest;
  manifest.deployment_id = "abc123xyz0";
  EXPECT_EQ(to_json(manifest).find("brotliPendingUntil"), std::string::npos) << "absent when 0";
  manifest.brotli_pending_until_ms = 1'796'000'000'000;
  const auto parsed = parse_manifest(to_json(manifest));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->brotli_pending_until_ms, 1'796'000'000'000);
  EXPECT_FALSE(parse_manifest(R"({"version":1,"deploymentId":"a","files":{},)"
                              R"("brotliPendingUntil":"soon"})")
                 .has_value());
}

// Manifests written before they held rules: version 1, the rule files only as entries.
TEST(Manifest, ReadsAManifestWithoutRules)
{
  const auto old =
    parse_manifest(R"({"version":1,"deploymentId":"a","files":{"_redirects":{"hash":"h","size":3,)"
                   R"("contentType":"application/octet-stream"}}})");
  ASSERT_TRUE(old.has_value()) << old.error().message;
  EXPECT_FALSE(old->rules.has_value());
  EXPECT_TRUE(old->files.contains("_redirects"));
  EXPECT_NE(to_json(*old).find("\"version\":1"), std::string::npos);
  EXPECT_FALSE(parse_manifest(to_json(*old))->rules.has_value());
}

TEST(Manifest, RejectsMalformedRules)
{
  const auto with_rules = [](std::string_view rules) {
    return parse_manifest(R"({"version":2,"deploymentId":"a","files":{},"rules":)" +
                          std::string(rules) + "}");
  };
  EXPECT_TRUE(with_rules(R"({"redirects":[],"headers":[]})").has_value());
  EXPECT_FALSE(parse_manifest(R"({"version":2,"deploymentId":"a","files":{}})").has_value());
  EXPECT_FALSE(parse_manifest(R"({"version":3,"deploymentId":"a","files":{}})").has_value());
  EXPECT_FALSE(parse_manifest(R"({"version":"2","deploymentId":"a","files":{}})").has_value());
  EXPECT_FALSE(with_rules(R"({"redirects":[]})").has_value());
  EXPECT_FALSE(with_rules(R"({"redirects":{},"headers":[]})").has_value());
  EXPECT_FALSE(with_rules(R"({"redirects":[],"headers":[],"trailingSlash":true})").has_value());
  EXPECT_FALSE(with_rules(R"({"redirects":[],"headers":[],"trailingSlash":"keep"})").has_value());
  for (std::string_view redirect : {
         R"({"from":"/a","to":"/b","status":302})",
         R"({"from":"a","to":"/b","status":302,"line":1})",
         R"({"from":"/*/*","to":"/b","status":302,"line":1})",
         R"({"from":"/a","to":"/b","status":404,"line":1})",
         R"({"from":"/a","to":7,"status":302,"line":1})",
       }) {
    EXPECT_FALSE(
      with_rules(R"({"redirects":[)" + std::string(redirect) + R"(],"headers":[]})").has_value())
      << redirect;
  }
  for (std::string_view header : {
         R"({"pattern":"/a","set":[["x-a"]],"detach":[],"line":1})",
         R"({"pattern":"/a","set":[["x-a",1]],"detach":[],"line":1})",
         R"({"pattern":"/a","set":[],"detach":[1],"line":1})",
         R"({"pattern":"/a b","set":[],"detach":[],"line":1})",
         R"({"pattern":"/a","set":[],"detach":[]})",
       }) {
    EXPECT_FALSE(
      with_rules(R"({"redirects":[],"headers":[)" + std::string(header) + "]}").has_value())
      << header;
  }
}

TEST(Manifest, RejectsMalformedJson)
{
  EXPECT_FALSE(parse_manifest("").has_value());
  EXPECT_FALSE(parse_manifest("[]").has_value());
  EXPECT_FALSE(parse_manifest(R"({"files":{}})").has_value());
  EXPECT_FALSE(parse_manifest(R"({"deploymentId":"a","files":{"x":{"hash":"h"}}})").has_value());
  EXPECT_FALSE(
    parse_manifest(R"({"deploymentId":"a","files":{"x":{"hash":"h","size":-1,"contentType":"t"}}})")
      .has_value());
  EXPECT_TRUE(parse_manifest(R"({"deploymentId":"a","files":{}})").has_value());
}

} // namespace reactor::objects
