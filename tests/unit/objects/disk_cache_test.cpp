#include "reactor/objects/cached/disk_cache.hpp"
#include "reactor/objects/local/local_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

namespace reactor::objects::cached {

namespace {

class DiskCacheTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    m_root = std::filesystem::temp_directory_path() /
             ("reactor-disk-cache-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(m_root);
  }
  void TearDown() override { std::filesystem::remove_all(m_root); }

  std::unique_ptr<ObjectStore> remote()
  {
    return std::move(*local::create_store(m_root / "remote"));
  }
  std::filesystem::path cache_dir() const { return m_root / "cache"; }

  std::filesystem::path m_root;
};

} // namespace

TEST_F(DiskCacheTest, ReadsThroughAndServesLaterReadsFromDisk)
{
  auto store = create_disk_cache(remote(), cache_dir(), 1024);
  ASSERT_TRUE(store->put("blobs/a", "hello"));
  EXPECT_FALSE(std::filesystem::exists(cache_dir() / "blobs/a")) << "writes go to the store only";
  EXPECT_EQ(**store->get("blobs/a"), "hello");
  EXPECT_TRUE(std::filesystem::exists(cache_dir() / "blobs/a"));
  std::filesystem::remove(m_root / "remote" / "blobs/a");
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
  std::filesystem::remove(m_root / "remote" / "manifests/x.json");
  auto restarted = create_disk_cache(remote(), cache_dir(), 1024);
  EXPECT_EQ(**restarted->get("manifests/x.json"), "{}");
}

} // namespace reactor::objects::cached
