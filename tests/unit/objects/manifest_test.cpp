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
