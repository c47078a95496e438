#include "reactor/objects/cached/disk_cache.hpp"
#include "reactor/objects/local/local_store.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <filesystem>

namespace reactor::objects::cached {

namespace {

class DiskCacheTest : public ::testing::Test
{
protected:
  std::unique_ptr<ObjectStore> remote()
  {
    return std::move(*local::create_store(root() / "remote"));
  }
  std::filesystem::path cache_dir() const { return root() / "cache"; }
  const std::filesystem::path& root() const { return m_dir.path(); }

  reactor::testing::TempDir m_dir;
};

} // namespace

TEST_F(DiskCacheTest, ReadsThroughAndServesLaterReadsFromDisk)
{
  auto store = create_disk_cache(remote(), cache_dir(), 1024);
  ASSERT_TRUE(store->put("blobs/a", "hello"));
  EXPECT_FALSE(std::filesystem::exists(cache_dir() / "blobs/a")) << "writes go to the store only";
  EXPECT_EQ(**store->get("blobs/a"), "hello");
  EXPECT_TRUE(std::filesystem::exists(cache_dir() / "blobs/a"));
  std::filesystem::remove(root() / "remote" / "blobs/a");
  EXPECT_EQ(**store->get("blobs/a"), "hello") << "served from the cache";
  EXPECT_TRUE(*store->exists("blobs/a"));
  EXPECT_FALSE(store->get("blobs/missing")->has_value());
}

TEST_F(DiskCacheTest, EvictsTheLeastRecentlyUsedPastTheBudget)
{
  auto store = create_disk_cache(remote(), cache_dir(), 10);
  for (const char* key : { "blobs/a", "blobs/b", "blobs/c" }) {
    ASSERT_TRUE(store->put(key, "12345"));
  }
  ASSERT_TRUE(store->get("blobs/a"));
  ASSERT_TRUE(store->get("blobs/b"));
  ASSERT_TRUE(store->get("blobs/a")); // a is now the most recent
  ASSERT_TRUE(store->get("blobs/c")); // over budget: b goes
  EXPECT_TRUE(std::filesystem::exists(cache_dir() / "blobs/a"));
  EXPECT_FALSE(std::filesystem::exists(cache_dir() / "blobs/b"));
  EXPECT_TRUE(std::filesystem::exists(cache_dir() / "blobs/c"));
}

TEST_F(DiskCacheTest, ARestartKeepsWhatWasCached)
{
  {
    auto store = create_disk_cache(remote(), cache_dir(), 1024);
    ASSERT_TRUE(store->put("manifests/x.json", "{}"));
    ASSERT_TRUE(store->get("manifests/x.json"));
  }
  std::filesystem::remove(root() / "remote" / "manifests/x.json");
  auto restarted = create_disk_cache(remote(), cache_dir(), 1024);
  EXPECT_EQ(**restarted->get("manifests/x.json"), "{}");
}

} // namespace reactor::objects::cached
