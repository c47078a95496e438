#include "reactor/objects/local/local_store.hpp"

#include <gtest/gtest.h>

#include "../util/temp_dir.hpp"
#include <fstream>
#include <thread>

namespace reactor::objects {

namespace {

std::unique_ptr<ObjectStore>
open_objects(const std::filesystem::path& root)
{
  auto store = local::create_store(root);
  if (!store) {
    throw std::runtime_error(store.error().message);
  }
  return std::move(*store);
}

std::size_t
count_files(const std::filesystem::path& root)
{
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    count += entry.is_regular_file() ? 1 : 0;
  }
  return count;
}

// The object's bytes, nullopt when absent; throws on a store failure.
std::optional<std::string>
read(ObjectStore& store, std::string_view key)
{
  auto got = store.get(key);
  if (!got) {
    throw std::runtime_error(got.error().message);
  }
  return *got;
}

} // namespace

TEST(LocalObjects, PutGetExists)
{
  testing::TempDir dir;
  auto store = open_objects(dir.path() / "objects");
  EXPECT_EQ(store->exists("blobs/abc"), false);
  EXPECT_EQ(read(*store, "blobs/abc"), std::optional<std::string>{});
  ASSERT_TRUE(store->put("blobs/abc", std::string("hello\0world", 11)).has_value());
  EXPECT_EQ(store->exists("blobs/abc"), true);
  EXPECT_EQ(read(*store, "blobs/abc"), std::optional<std::string>(std::string("hello\0world", 11)));
  ASSERT_TRUE(store->put("blobs/abc", "replaced").has_value());
  EXPECT_EQ(read(*store, "blobs/abc"), std::optional<std::string>("replaced"));
  EXPECT_EQ(count_files(dir.path() / "objects"), 1u);
}

TEST(LocalObjects, PutFileCopiesContent)
{
  testing::TempDir dir;
  auto store = open_objects(dir.path() / "objects");
  const auto source = dir.path() / "source.txt";
  std::ofstream(source) << "from a file";
  ASSERT_TRUE(store->put_file("manifests/x.json", source).has_value());
  EXPECT_EQ(read(*store, "manifests/x.json"), std::optional<std::string>("from a file"));
  EXPECT_FALSE(store->put_file("manifests/y.json", dir.path() / "missing").has_value());
  EXPECT_EQ(store->exists("manifests/y.json"), false);
  EXPECT_EQ(count_files(dir.path() / "objects"), 1u);
}

TEST(LocalObjects, RejectsKeysThatEscapeTheRoot)
{
  testing::TempDir dir;
  auto store = open_objects(dir.path() / "objects");
  for (const auto* key : { "../escape", "/abs", "a/../../b", "", "a//b", "a/" }) {
    EXPECT_FALSE(store->put(key, "x").has_value()) << key;
    EXPECT_FALSE(store->get(key).has_value()) << key;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "escape"));
}

TEST(LocalObjects, ReadersNeverSeePartialObjects)
{
  testing::TempDir dir;
  auto store = open_objects(dir.path() / "objects");
  const std::string a(256 * 1024, 'a');
  const std::string b(256 * 1024, 'b');
  ASSERT_TRUE(store->put("blobs/x", a).has_value());
  std::atomic<bool> done{ false };
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) {
      static_cast<void>(store->put("blobs/x", i % 2 == 0 ? b : a));
    }
    done = true;
  });
  while (!done) {
    const auto got = store->get("blobs/x");
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->has_value());
    ASSERT_TRUE(**got == a || **got == b);
  }
  writer.join();
  EXPECT_EQ(count_files(dir.path() / "objects"), 1u);
}

} // namespace reactor::objects
