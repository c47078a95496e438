#include "reactor/edge/site_cache.hpp"
#include "reactor/objects/local/local_store.hpp"
#include "reactor/util/sha256.hpp"

#include <gtest/gtest.h>

#include "support/fake_store.hpp"
#include "support/temp_dir.hpp"
#include <fstream>
#include <thread>

namespace reactor::edge {

namespace {

using reactor::testing::TempDir;

constexpr std::string_view k_id = "blobsite01";

// A deployed site in a local store whose blobs a test can damage on disk.
struct DeployedSite
{
  TempDir dir;
  reactor::testing::FakeStore metadata;
  std::unique_ptr<objects::ObjectStore> objects =
    std::move(*objects::local::create_store(dir.path()));
  objects::Manifest manifest;

  DeployedSite()
  {
    manifest.deployment_id = std::string(k_id);
    add("index.html", "<h1>hello</h1>");
    add("big.js", std::string(100 * 1024, 'x')); // sent from an open descriptor
    add("_headers", "/*\n  X-A: 1\n");
    EXPECT_TRUE(objects->put(objects::manifest_key(k_id), objects::to_json(manifest)).has_value());
    core::Deployment deployment;
    deployment.id = std::string(k_id);
    EXPECT_TRUE(metadata.create_deployment(deployment).has_value());
    EXPECT_TRUE(metadata.update_status({ std::string(k_id), core::Status::deployed }).has_value());
  }

  void add(const std::string& path, const std::string& bytes)
  {
    const auto hash = util::sha256_hex(bytes);
    EXPECT_TRUE(objects->put(objects::blob_key(hash), bytes).has_value());
    manifest.files[path] = objects::ManifestEntry{ hash, bytes.size(), "text/plain", {}, {} };
  }

  // Rewrites the blob of `path` on disk, as a failing disk or a hand might.
  void damage(const std::string& path, const std::string& bytes)
  {
    std::ofstream(dir.path() / objects::blob_key(manifest.files.at(path).hash),
                  std::ios::binary | std::ios::trunc)
      << bytes;
  }

  LoadResult<std::shared_ptr<const PreparedFile>> load(SiteCache& cache, const std::string& path)
  {
    auto site = cache.load_site(k_id);
    EXPECT_TRUE(site.has_value() && *site);
    if (!site || !*site) {
      return std::unexpected(LoadError{ false, "no site" });
    }
    return cache.load_file(**site, path, (*site)->manifest.files.at(path), 200);
  }
};

constexpr std::size_t k_budget = 64 << 20;

} // namespace

TEST(CheckBlob, ComparesSizeAlwaysAndHashWhenGivenTheBytes)
{
  const std::string bytes = "hello";
  const objects::BlobRef blob{ util::sha256_hex(bytes), bytes.size() };
  EXPECT_FALSE(check_blob(blob, bytes.size(), &bytes));
  EXPECT_FALSE(check_blob(blob, bytes.size(), nullptr));

  const auto short_blob = check_blob(blob, 3, nullptr);
  ASSERT_TRUE(short_blob);
  EXPECT_EQ(short_blob->found_size, 3u);
  EXPECT_EQ(short_blob->found_hash, "");

  const std::string other = "jello";
  const auto replaced = check_blob(blob, other.size(), &other);
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->found_hash, util::sha256_hex(other));
}

TEST(SiteCacheBlobs, ServesBlobsThatMatchTheManifest)
{
  DeployedSite site;
  SiteCache cache(site.metadata, *site.objects, k_budget);
  const auto index = site.load(cache, "index.html");
  ASSERT_TRUE(index.has_value()) << index.error().message;
  EXPECT_EQ(*(*index)->variant(net::Encoding::identity).body, "<h1>hello</h1>");
  const auto big = site.load(cache, "big.js");
  ASSERT_TRUE(big.has_value()) << big.error().message;
  ASSERT_TRUE((*big)->variant(net::Encoding::identity).file);
  EXPECT_EQ((*big)->variant(net::Encoding::identity).size(), 100u * 1024);
}

TEST(SiteCacheBlobs, ATruncatedBlobIsCorruptNeverShort)
{
  DeployedSite site;
  site.damage("index.html", "<h1>he");
  site.damage("big.js", std::string(1000, 'x'));
  SiteCache cache(site.metadata, *site.objects, k_budget);
  for (const std::string path : { "index.html", "big.js" }) {
    const auto loaded = site.load(cache, path);
    ASSERT_FALSE(loaded.has_value()) << path;
    EXPECT_TRUE(loaded.error().corrupt) << path;
    EXPECT_NE(loaded.error().message.find("does not match the manifest"), std::string::npos)
      << loaded.error().message;
  }
}

TEST(SiteCacheBlobs, AReplacedBlobIsCorruptWhenFirstLoaded)
{
  DeployedSite site;
  site.damage("index.html", "<h1>HELLO</h1>");
  site.damage("big.js", std::string(100 * 1024, 'y'));
  SiteCache cache(site.metadata, *site.objects, k_budget);
  for (const std::string path : { "index.html", "big.js" }) {
    const auto loaded = site.load(cache, path);
    ASSERT_FALSE(loaded.has_value()) << path;
    EXPECT_TRUE(loaded.error().corrupt) << path;
    EXPECT_NE(loaded.error().message.find("other content"), std::string::npos)
      << loaded.error().message;
  }
}

TEST(SiteCacheBlobs, ADamagedRuleFileMakesTheSiteCorrupt)
{
  DeployedSite site;
  site.damage("_headers", "/*\n  X-B: 1\n");
  SiteCache cache(site.metadata, *site.objects, k_budget);
  const auto loaded = cache.load_site(k_id);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_TRUE(loaded.error().corrupt);
}

TEST(SiteCacheRules, AManifestWithoutRulesHasItsRuleFilesParsed)
{
  DeployedSite site;
  SiteCache cache(site.metadata, *site.objects, k_budget);
  const auto loaded = cache.load_site(k_id);
  ASSERT_TRUE(loaded.has_value() && *loaded);
  ASSERT_EQ((*loaded)->rules.headers.rules.size(), 1u);
  EXPECT_EQ((*loaded)->rules.headers.rules[0].set,
            (std::vector<std::pair<std::string, std::string>>{ { "x-a", "1" } }));
}

TEST(SiteCacheRules, AManifestWithRulesIsServedFromThemWithoutReadingTheFiles)
{
  DeployedSite site;
  site.manifest.rules = rules::SiteRules{ rules::parse_redirects("/old /new 301\n"),
                                          rules::parse_headers("/*\n  X-From-Manifest: 1\n") };
  ASSERT_TRUE(
    site.objects->put(objects::manifest_key(k_id), objects::to_json(site.manifest)).has_value());
  site.damage("_headers", "read, this would make the site corrupt");
  SiteCache cache(site.metadata, *site.objects, k_budget);
  const auto loaded = cache.load_site(k_id);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  ASSERT_TRUE(*loaded);
  ASSERT_EQ((*loaded)->rules.headers.rules.size(), 1u);
  EXPECT_EQ((*loaded)->rules.headers.rules[0].set,
            (std::vector<std::pair<std::string, std::string>>{ { "x-from-manifest", "1" } }));
  ASSERT_EQ((*loaded)->rules.redirects.rules.size(), 1u);
  EXPECT_EQ((*loaded)->rules.redirects.static_index.size(), 1u);
  EXPECT_FALSE((*loaded)->manifest.rules.has_value()); // moved into the site's rules
}

TEST(SiteCacheBlobs, AMissingBlobIsAStoreFailureNotCorruption)
{
  DeployedSite site;
  std::filesystem::remove(site.dir.path() /
                          objects::blob_key(site.manifest.files.at("index.html").hash));
  SiteCache cache(site.metadata, *site.objects, k_budget);
  const auto loaded = site.load(cache, "index.html");
  ASSERT_FALSE(loaded.has_value());
  EXPECT_FALSE(loaded.error().corrupt);
}

} // namespace reactor::edge

namespace reactor::edge {

// A manifest whose brotli variants were still being made is read again once they are in.
TEST(SiteCacheSites, ReadsAManifestAgainWhileItsBrotliIsPending)
{
  DeployedSite site;
  const auto in_ten_minutes =
    std::chrono::duration_cast<std::chrono::milliseconds>(
      (std::chrono::system_clock::now() + std::chrono::minutes(10)).time_since_epoch())
      .count();
  site.manifest.brotli_pending_until_ms = in_ten_minutes;
  ASSERT_TRUE(site.objects->put(objects::manifest_key(k_id), objects::to_json(site.manifest)));
  SiteCache cache(site.metadata, *site.objects, k_budget);
  const auto first = cache.load_site(k_id);
  ASSERT_TRUE(first.has_value() && *first);
  EXPECT_EQ(cache.cached_site(k_id), *first) << "not due yet";

  // The finisher's manifest: a brotli variant, nothing pending.
  const std::string br = "not really brotli";
  ASSERT_TRUE(site.objects->put(objects::blob_key(util::sha256_hex(br)), br));
  site.manifest.files.at("big.js").br = { util::sha256_hex(br), br.size() };
  site.manifest.brotli_pending_until_ms = 0;
  ASSERT_TRUE(site.objects->put(objects::manifest_key(k_id), objects::to_json(site.manifest)));

  std::this_thread::sleep_for(k_brotli_recheck + std::chrono::milliseconds(100));
  EXPECT_EQ(cache.cached_site(k_id), nullptr) << "due: the caller loads it";
  const auto second = cache.load_site(k_id);
  ASSERT_TRUE(second.has_value() && *second);
  EXPECT_NE(*second, *first);
  EXPECT_EQ((*second)->manifest.files.at("big.js").br.size, br.size());
  EXPECT_EQ((*second)->recheck_at_ms.load(), 0) << "nothing pending any more";
  EXPECT_EQ(cache.cached_site(k_id), *second);
}

} // namespace reactor::edge
