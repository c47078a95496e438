#include "reactor/builder/build_cache.hpp"
#include "reactor/builder/file_tree.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
#include <fstream>
#include <thread>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;
using reactor::testing::TempDir;
using testing::write_file;

std::string
read(const fs::path& path)
{
  std::ifstream in(path);
  return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

class BuildCaches : public ::testing::Test
{
protected:
  // A checkout's app folder (created).
  fs::path checkout(const std::string& name) const
  {
    fs::create_directories(m_dir.path() / name);
    return m_dir.path() / name;
  }
  fs::path root() const { return m_dir.path() / "cache"; }

  const std::vector<std::string> m_folders{ "node_modules/.cache", ".next/cache" };

private:
  TempDir m_dir;
};

// Where a build's sandbox writes the entry's copy of `relative` (its bind's host side).
fs::path
stored(const BuildCache::Held& held, std::string_view relative)
{
  for (const auto& [folder, inside] : held.folders()) {
    if (inside == relative) {
      return folder;
    }
  }
  ADD_FAILURE() << "no folder for " << relative;
  return {};
}

} // namespace

TEST(BuildCacheKey, NamesTheRepositoryAndTheAppFolder)
{
  const auto key = build_cache_key("https://github.com/a/b", "");
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(build_cache_key("https://github.com/a/b", ""), key);
  EXPECT_NE(build_cache_key("https://github.com/a/c", ""), key);
  EXPECT_NE(build_cache_key("https://github.com/a/b", "apps/web"), key);
  EXPECT_EQ(build_cache_folders("vite"), std::vector<std::string>{ "node_modules/.cache" });
  EXPECT_EQ(build_cache_folders("nextjs"),
            (std::vector<std::string>{ "node_modules/.cache", ".next/cache" }));
}

TEST_F(BuildCaches, WhatOneBuildWritesTheNextOneFinds)
{
  BuildCache cache(root(), 64ULL << 20);
  const auto key = build_cache_key("https://github.com/a/b", "");
  {
    auto first = cache.take(key, checkout("first"), m_folders);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_EQ(first->restored_bytes(), 0u);
    EXPECT_TRUE(fs::is_directory(checkout("first") / "node_modules/.cache")) << "to bind at";
    EXPECT_TRUE(fs::is_directory(checkout("first") / ".next/cache"));
    write_file(stored(*first, "node_modules/.cache") / "babel-loader/a.json", "compiled");
    write_file(stored(*first, ".next/cache") / "images/b", "image");
  }
  {
    auto unused =
      cache.take(build_cache_key("https://github.com/a/d", ""), checkout("d"), m_folders);
    ASSERT_TRUE(unused.has_value());
  }
  auto unused_again =
    cache.take(build_cache_key("https://github.com/a/d", ""), checkout("d2"), m_folders);
  ASSERT_TRUE(unused_again.has_value());
  EXPECT_EQ(unused_again->restored_bytes(), 0u) << "a build that cached nothing left nothing";

  auto second = cache.take(key, checkout("second"), m_folders);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_GT(second->restored_bytes(), 0u);
  EXPECT_EQ(read(stored(*second, "node_modules/.cache") / "babel-loader/a.json"), "compiled");
  EXPECT_EQ(read(stored(*second, ".next/cache") / "images/b"), "image");

  // One build at a time: another one of the same repository goes without.
  const auto third = cache.take(key, checkout("third"), m_folders);
  ASSERT_FALSE(third.has_value());
  EXPECT_NE(third.error().message.find("another build"), std::string::npos);

  // Another repository has an entry of its own.
  auto other =
    cache.take(build_cache_key("https://github.com/a/c", ""), checkout("other"), m_folders);
  ASSERT_TRUE(other.has_value()) << other.error().message;
  EXPECT_FALSE(fs::exists(stored(*other, "node_modules/.cache") / "babel-loader"));
}

TEST_F(BuildCaches, RefusesAFolderThatIsALinkOutOfTheCheckout)
{
  BuildCache cache(root(), 64ULL << 20);
  fs::create_directories(checkout("outside"));
  fs::create_directories(checkout("linked"));
  fs::create_directory_symlink(checkout("outside"), checkout("linked") / "node_modules");
  const auto taken =
    cache.take(build_cache_key("https://github.com/a/b", ""), checkout("linked"), m_folders);
  ASSERT_FALSE(taken.has_value());
  EXPECT_FALSE(fs::exists(checkout("outside") / ".cache"));
}

TEST_F(BuildCaches, KeepsWithinItsSize)
{
  BuildCache cache(root(), 1'000'000, std::chrono::hours(24));
  const auto build = [&](const std::string& repository, std::size_t bytes) {
    auto held = cache.take(build_cache_key(repository, ""), checkout(repository), m_folders);
    ASSERT_TRUE(held.has_value()) << held.error().message;
    write_file(stored(*held, "node_modules/.cache") / "data", std::string(bytes, 'x'));
  };
  build("a", 400'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  build("b", 400'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  build("c", 400'000); // over the size: a, the least recently used, goes
  EXPECT_FALSE(fs::exists(root() / build_cache_key("a", "")));
  EXPECT_TRUE(fs::exists(root() / build_cache_key("b", "")));
  EXPECT_TRUE(fs::exists(root() / build_cache_key("c", "")));

  // An entry larger than the whole cache is emptied, not kept.
  build("huge", 2'000'000);
  auto again = cache.take(build_cache_key("huge", ""), checkout("huge-again"), m_folders);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->restored_bytes(), 0u);
  EXPECT_FALSE(fs::exists(stored(*again, "node_modules/.cache") / "data"));
}

} // namespace reactor::builder
