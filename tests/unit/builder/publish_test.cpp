#include "reactor/builder/publish.hpp"
#include "reactor/objects/local/local_store.hpp"
#include "reactor/util/sha256.hpp"

#include <gtest/gtest.h>

#include "../util/temp_dir.hpp"
#include "helpers.hpp"
#include <algorithm>
#include <mutex>

namespace reactor::builder {

namespace {

using reactor::testing::TempDir;
using testing::write_file;

// Records the order of writes on top of a local store.
class RecordingObjects final : public objects::ObjectStore
{
public:
  explicit RecordingObjects(const std::filesystem::path& root)
    : m_inner(std::move(*objects::local::create_store(root)))
  {
  }

  core::Result<void> put(std::string_view key, std::string_view bytes) override
  {
    m_puts.emplace_back(key);
    return m_inner->put(key, bytes);
  }
  core::Result<void> put_file(std::string_view key, const std::filesystem::path& file) override
  {
    m_puts.emplace_back(key);
    return m_inner->put_file(key, file);
  }
  core::Result<std::optional<std::string>> get(std::string_view key) override
  {
    return m_inner->get(key);
  }
  core::Result<bool> exists(std::string_view key) override { return m_inner->exists(key); }
  core::Result<std::optional<objects::ObjectInfo>> stat(std::string_view key) override
  {
    return m_inner->stat(key);
  }
  core::Result<std::vector<objects::ObjectInfo>> list(std::string_view prefix) override
  {
    return m_inner->list(prefix);
  }
  core::Result<void> remove(std::string_view key) override { return m_inner->remove(key); }
  core::Result<bool> remove_if_unchanged(std::string_view key,
                                         std::chrono::system_clock::time_point modified) override
  {
    return m_inner->remove_if_unchanged(key, modified);
  }

  std::vector<std::string> m_puts;

private:
  std::unique_ptr<objects::ObjectStore> m_inner;
};

struct Site
{
  TempDir dir;
  std::filesystem::path output;

  Site()
    : output(dir.path() / "dist")
  {
    write_file(output / "index.html", "<h1>hi</h1>");
    write_file(output / "assets" / "app.js", "console.log(1)");
    write_file(output / "assets" / "copy.js", "console.log(1)");
    std::filesystem::create_symlink("/etc/passwd", output / "leak.txt");
    std::filesystem::create_directory_symlink("/etc", output / "etc");
  }
};

} // namespace

TEST(Publish, CollectsRegularFilesAndSkipsSymlinks)
{
  Site site;
  std::vector<std::string> log;
  const auto files =
    collect_output(site.output, [&](std::string_view line) { log.emplace_back(line); });
  ASSERT_TRUE(files.has_value()) << files.error().message;
  std::vector<std::string> paths;
  for (const auto& file : *files) {
    paths.push_back(file.site_path);
  }
  std::ranges::sort(paths);
  EXPECT_EQ(paths, (std::vector<std::string>{ "assets/app.js", "assets/copy.js", "index.html" }));
  const auto mentions = [&](std::string_view needle) {
    return std::ranges::any_of(log, [&](const auto& line) {
      return line.find("symbolic link") != std::string::npos &&
             line.find(needle) != std::string::npos;
    });
  };
  EXPECT_TRUE(mentions("leak.txt"));
  EXPECT_TRUE(mentions("etc"));
}

TEST(Publish, RefusesAnOutputDirectoryThatIsASymlink)
{
  TempDir dir;
  std::filesystem::create_directory_symlink("/etc", dir.path() / "dist");
  const auto files = collect_output(dir.path() / "dist", {});
  ASSERT_FALSE(files.has_value());
  EXPECT_NE(files.error().message.find("not a real directory"), std::string::npos);
}

TEST(Publish, EnforcesOutputLimits)
{
  Site site;
  EXPECT_FALSE(collect_output(site.output, {}, OutputLimits{ 2, 1 << 20 }).has_value());
  EXPECT_FALSE(collect_output(site.output, {}, OutputLimits{ 100, 10 }).has_value());
}

TEST(Publish, StoresBlobsOnceAndTheManifestLast)
{
  Site site;
  TempDir store_dir;
  RecordingObjects objects(store_dir.path());
  const auto files = collect_output(site.output, {});
  ASSERT_TRUE(files.has_value());

  const auto first = publish_output(objects, "first00001", *files, k_default_blob_reuse_window);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->files, 3u);
  EXPECT_EQ(first->uploaded, 2u);
  ASSERT_EQ(objects.m_puts.size(), 3u);
  EXPECT_EQ(objects.m_puts.back(), "manifests/first00001.json");

  const auto manifest_json = objects.get("manifests/first00001.json");
  ASSERT_TRUE(manifest_json.has_value() && manifest_json->has_value());
  const auto manifest = objects::parse_manifest(**manifest_json);
  ASSERT_TRUE(manifest.has_value());
  EXPECT_EQ(manifest->files.size(), 3u);
  EXPECT_FALSE(manifest->files.contains("leak.txt"));
  EXPECT_FALSE(manifest->files.contains("etc/passwd"));
  const auto& index = manifest->files.at("index.html");
  EXPECT_EQ(index.hash, util::sha256_hex("<h1>hi</h1>"));
  EXPECT_EQ(index.size, 11u);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(manifest->files.at("assets/app.js").hash, manifest->files.at("assets/copy.js").hash);
  const auto blob = objects.get(objects::blob_key(index.hash));
  ASSERT_TRUE(blob.has_value() && blob->has_value());
  EXPECT_EQ(**blob, "<h1>hi</h1>");

  objects.m_puts.clear();
  const auto second = publish_output(objects, "second0002", *files, k_default_blob_reuse_window);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->uploaded, 0u);
  EXPECT_EQ(objects.m_puts, (std::vector<std::string>{ "manifests/second0002.json" }));

  // Blobs written longer ago than the window are written again, so a garbage sweep
  // (whose grace is twice the window) cannot be deleting them meanwhile.
  objects.m_puts.clear();
  const auto third = publish_output(objects, "third00003", *files, std::chrono::seconds(0));
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->uploaded, 2u);
  EXPECT_EQ(objects.m_puts.size(), 3u);
}

TEST(Publish, StopsWhenCanceled)
{
  Site site;
  TempDir store_dir;
  RecordingObjects objects(store_dir.path());
  const auto files = collect_output(site.output, {});
  std::atomic<bool> cancel{ true };
  EXPECT_FALSE(publish_output(objects, "canceled01", *files, k_default_blob_reuse_window, &cancel)
                 .has_value());
  EXPECT_EQ(objects.exists("manifests/canceled01.json"), false);
}

} // namespace reactor::builder
