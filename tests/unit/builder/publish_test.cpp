#include "reactor/builder/brotli_finisher.hpp"
#include "reactor/builder/publish.hpp"
#include "reactor/objects/local/local_store.hpp"
#include "reactor/util/sha256.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
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

  util::Result<void> put(std::string_view key, std::string_view bytes) override
  {
    record(key);
    return m_inner->put(key, bytes);
  }
  util::Result<void> put_file(std::string_view key, const std::filesystem::path& file) override
  {
    record(key);
    if (m_fail_puts) {
      return util::fail("the store is down");
    }
    return m_inner->put_file(key, file);
  }
  util::Result<std::optional<std::string>> get(std::string_view key) override
  {
    return m_inner->get(key);
  }
  util::Result<bool> exists(std::string_view key) override { return m_inner->exists(key); }
  util::Result<std::optional<objects::ObjectInfo>> stat(std::string_view key) override
  {
    return m_inner->stat(key);
  }
  util::Result<std::vector<objects::ObjectInfo>> list(std::string_view prefix) override
  {
    return m_inner->list(prefix);
  }
  util::Result<void> remove(std::string_view key) override { return m_inner->remove(key); }
  util::Result<bool> remove_if_unchanged(std::string_view key,
                                         std::chrono::system_clock::time_point modified) override
  {
    return m_inner->remove_if_unchanged(key, modified);
  }

  std::vector<std::string> m_puts;
  std::atomic<bool> m_fail_puts{ false };

private:
  // publish_output puts from several threads at once.
  void record(std::string_view key)
  {
    const std::lock_guard lock(m_mutex);
    m_puts.emplace_back(key);
  }

  std::mutex m_mutex;
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
  for (const auto& file : files->files) {
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
  EXPECT_EQ(files.error().fault, util::Fault::user);
  EXPECT_NE(files.error().message.find("not a real directory"), std::string::npos);
}

TEST(Publish, EnforcesOutputLimits)
{
  Site site;
  for (const auto limits : { OutputLimits{ 2, 1 << 20 }, OutputLimits{ 100, 10 } }) {
    const auto files = collect_output(site.output, {}, limits);
    ASSERT_FALSE(files.has_value());
    EXPECT_EQ(files.error().fault, util::Fault::user);
  }
}

// A folder it cannot read fails the collection, never leaves its files out unsaid: the
// iterator ends on the error it reports.
TEST(Publish, FailsOnAFolderItCannotRead)
{
  Site site;
  write_file(site.output / "private" / "secret.html", "<h1>hidden</h1>");
  std::filesystem::permissions(site.output / "private", std::filesystem::perms::none);
  const auto files =
    testing::without_read_override([&] { return collect_output(site.output, {}); });
  std::filesystem::permissions(site.output / "private", std::filesystem::perms::owner_all);
  ASSERT_FALSE(files.has_value()) << files->files.size() << " files collected";
  EXPECT_EQ(files.error().fault, util::Fault::infrastructure);
  EXPECT_TRUE(files.error().retryable);
  EXPECT_NE(files.error().message.find("cannot read the output directory"), std::string::npos)
    << files.error().message;
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
  ASSERT_TRUE(manifest->rules.has_value()); // none, but parsed: the edge looks no further
  EXPECT_TRUE(manifest->rules->redirects.rules.empty());
  EXPECT_TRUE(manifest->rules->headers.rules.empty());
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

// Text that compresses well, larger than the smallest file that gets variants.
std::string
script(std::string_view marker)
{
  std::string text;
  for (int i = 0; i < 400; ++i) {
    text +=
      "export function f" + std::to_string(i) + "() { return '" + std::string(marker) + "'; }\n";
  }
  return text;
}

TEST(Publish, ReusesTheVariantsOfContentPublishedBefore)
{
  TempDir dir;
  write_file(dir.path() / "dist" / "app.js", script("first"));
  TempDir store_dir;
  RecordingObjects objects(store_dir.path());
  const auto files = collect_output(dir.path() / "dist", {});
  ASSERT_TRUE(files.has_value());
  const auto entry_of = [&](const std::string& id) {
    const auto manifest = objects::parse_manifest(**objects.get(objects::manifest_key(id)));
    return manifest.value().files.at("app.js");
  };

  ASSERT_TRUE(publish_output(objects, "first00001", *files, k_default_blob_reuse_window));
  const auto first = entry_of("first00001");
  ASSERT_FALSE(first.gzip.hash.empty());
  ASSERT_FALSE(first.br.hash.empty());
  EXPECT_EQ(objects.m_puts.size(), 5u) << "the blob, two variants, their record, the manifest";
  EXPECT_TRUE(objects.exists(objects::variants_key(first.hash)).value());

  // The same content again: nothing compressed or uploaded but the manifest.
  objects.m_puts.clear();
  ASSERT_TRUE(publish_output(objects, "second0002", *files, k_default_blob_reuse_window));
  EXPECT_EQ(objects.m_puts, (std::vector<std::string>{ objects::manifest_key("second0002") }));
  const auto second = entry_of("second0002");
  EXPECT_EQ(second.gzip.hash, first.gzip.hash);
  EXPECT_EQ(second.br.size, first.br.size);

  // Past the reuse window the variants are written again, from the store's own copy.
  objects.m_puts.clear();
  ASSERT_TRUE(publish_output(objects, "third00003", *files, std::chrono::seconds(0)));
  auto puts = objects.m_puts;
  std::vector<std::string> expected{ objects::blob_key(first.hash),
                                     objects::blob_key(first.gzip.hash),
                                     objects::blob_key(first.br.hash),
                                     objects::manifest_key("third00003") };
  std::ranges::sort(puts);
  std::ranges::sort(expected);
  EXPECT_EQ(puts, expected) << "no record written again: nothing was compressed";

  // A variant that is gone is made again.
  ASSERT_TRUE(objects.remove(objects::blob_key(first.br.hash)));
  ASSERT_TRUE(publish_output(objects, "fourth0004", *files, k_default_blob_reuse_window));
  EXPECT_EQ(entry_of("fourth0004").br.hash, first.br.hash);
  EXPECT_TRUE(objects.exists(objects::blob_key(first.br.hash)).value());
}

TEST(Publish, LeavesTheBrotliOfLargeFilesToTheFinisher)
{
  TempDir dir;
  const auto large = script("large"); // about 18 KB
  write_file(dir.path() / "dist" / "app.js", large);
  write_file(dir.path() / "dist" / "small.js", script("small").substr(0, 4000));
  TempDir store_dir;
  RecordingObjects objects(store_dir.path());
  const auto files = collect_output(dir.path() / "dist", {});
  ASSERT_TRUE(files.has_value());
  const auto manifest_of = [&](const std::string& id) {
    return objects::parse_manifest(**objects.get(objects::manifest_key(id))).value();
  };
  const PublishLimits limits{ .defer_brotli_from = 16 * 1024 };
  const auto published =
    publish_output(objects, "first00001", *files, k_default_blob_reuse_window, nullptr, limits);
  ASSERT_TRUE(published.has_value()) << published.error().message;

  const auto first = manifest_of("first00001");
  const auto& app = first.files.at("app.js");
  EXPECT_EQ(published->brotli_deferred, std::vector<std::string>{ app.hash });
  EXPECT_FALSE(app.gzip.hash.empty()) << "gzip until then";
  EXPECT_TRUE(app.br.hash.empty());
  EXPECT_FALSE(first.files.at("small.js").br.hash.empty()) << "small files have it at once";
  EXPECT_GT(first.brotli_pending_until_ms,
            std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count());
  EXPECT_FALSE(objects.exists(objects::variants_key(app.hash)).value()) << "records are whole";

  {
    BrotliFinisher finisher(objects);
    finisher.add("first00001", published->brotli_deferred);
    finisher.add("deleted001", published->brotli_deferred);
    finisher.wait_until_idle();
  }
  const auto finished = manifest_of("first00001");
  const auto& br = finished.files.at("app.js").br;
  ASSERT_FALSE(br.hash.empty());
  EXPECT_LT(br.size, app.gzip.size);
  EXPECT_EQ(objects.get(objects::blob_key(br.hash)).value()->size(), br.size);
  EXPECT_EQ(finished.brotli_pending_until_ms, 0);
  EXPECT_EQ(finished.files.at("app.js").gzip.hash, app.gzip.hash);
  EXPECT_FALSE(objects.exists(objects::manifest_key("deleted001")).value())
    << "a deployment deleted meanwhile does not come back";

  // A copy of the manifest taken while it was pending (a deployment of the same commit)
  // is finished from the record, with nothing compressed again.
  auto copy = first;
  copy.deployment_id = "copy000003";
  EXPECT_EQ(brotli_waiting(copy), std::vector<std::string>{ app.hash });
  ASSERT_TRUE(objects.put(objects::manifest_key("copy000003"), objects::to_json(copy)));
  objects.m_puts.clear();
  EXPECT_EQ(finish_brotli(objects, "copy000003", brotli_waiting(copy)).value(), 1u);
  EXPECT_EQ(objects.m_puts, std::vector<std::string>{ objects::manifest_key("copy000003") });
  EXPECT_EQ(manifest_of("copy000003").files.at("app.js").br.hash, br.hash);
  EXPECT_TRUE(brotli_waiting(manifest_of("copy000003")).empty());

  // The same content again has every variant at once, from the record.
  const auto again =
    publish_output(objects, "second0002", *files, k_default_blob_reuse_window, nullptr, limits);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->brotli_deferred.empty());
  EXPECT_EQ(manifest_of("second0002").files.at("app.js").br.hash, br.hash);
  EXPECT_EQ(manifest_of("second0002").brotli_pending_until_ms, 0);
}

// The rule files are parsed once, at collection: their problems go to the build log and
// the rules to the manifest, next to the files themselves.
TEST(Publish, ReportsRuleProblemsAndStoresTheRulesInTheManifest)
{
  Site site;
  write_file(site.output / "_redirects", "/old /new 301\n/bad\n");
  write_file(site.output / "_headers", "/*\n  X-Frame-Options: DENY\n  Set-Cookie: a=b\n");
  std::vector<std::string> log;
  const auto output =
    collect_output(site.output, [&](std::string_view line) { log.emplace_back(line); });
  ASSERT_TRUE(output.has_value()) << output.error().message;
  const auto logged = [&](std::string_view start) {
    return std::ranges::any_of(log, [&](const auto& line) { return line.starts_with(start); });
  };
  EXPECT_TRUE(logged("[reactor] _redirects: line 2: expected \"source destination [status]\""));
  EXPECT_TRUE(logged("[reactor] _headers: line 3: header \"set-cookie\" cannot be set"));

  TempDir store_dir;
  RecordingObjects objects(store_dir.path());
  ASSERT_TRUE(
    publish_output(objects, "rules00001", *output, k_default_blob_reuse_window).has_value());
  const auto manifest = objects::parse_manifest(**objects.get("manifests/rules00001.json"));
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message;
  ASSERT_TRUE(manifest->rules.has_value());
  ASSERT_EQ(manifest->rules->redirects.rules.size(), 1u);
  EXPECT_EQ(manifest->rules->redirects.rules[0].to, "/new");
  EXPECT_EQ(manifest->rules->redirects.rules[0].status, 301u);
  ASSERT_EQ(manifest->rules->headers.rules.size(), 1u);
  EXPECT_EQ(manifest->rules->headers.rules[0].set,
            (std::vector<std::pair<std::string, std::string>>{ { "x-frame-options", "DENY" } }));
  EXPECT_TRUE(manifest->files.contains("_redirects"));
  EXPECT_TRUE(manifest->files.contains("_headers"));
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

// Many files, some with the same content: every blob is put once, from several threads,
// and the manifest still comes last and lists every file.
TEST(Publish, PublishesInParallelAndStoresEachBlobOnce)
{
  TempDir dir;
  const auto output = dir.path() / "dist";
  for (int i = 0; i < 300; ++i) {
    write_file(output / ("f" + std::to_string(i) + ".txt"), std::to_string(i % 100));
  }
  TempDir store_dir;
  RecordingObjects objects(store_dir.path());
  const auto files = collect_output(output, {});
  ASSERT_TRUE(files.has_value());
  const auto published = publish_output(
    objects, "parallel01", *files, k_default_blob_reuse_window, nullptr, PublishLimits{});
  ASSERT_TRUE(published.has_value()) << published.error().message;
  EXPECT_EQ(published->files, 300u);
  EXPECT_EQ(published->uploaded, 100u);
  ASSERT_EQ(objects.m_puts.size(), 101u);
  EXPECT_EQ(objects.m_puts.back(), "manifests/parallel01.json");
  auto sorted = objects.m_puts;
  std::ranges::sort(sorted);
  EXPECT_EQ(std::ranges::adjacent_find(sorted), sorted.end());
  const auto manifest = objects::parse_manifest(**objects.get("manifests/parallel01.json"));
  ASSERT_TRUE(manifest.has_value());
  ASSERT_EQ(manifest->files.size(), 300u);
  EXPECT_EQ(manifest->files.at("f142.txt").hash, util::sha256_hex("42"));
}

// Publishing counts against the build's time limit: past the deadline it stops with an
// error for the user that names the limit, and writes no manifest.
TEST(Publish, StopsAtTheBuildDeadline)
{
  Site site;
  TempDir store_dir;
  RecordingObjects objects(store_dir.path());
  const auto files = collect_output(site.output, {});
  ASSERT_TRUE(files.has_value());
  PublishLimits limits;
  limits.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  limits.time_limit = "time limit (30 seconds)";
  const auto published =
    publish_output(objects, "overtime01", *files, k_default_blob_reuse_window, nullptr, limits);
  ASSERT_FALSE(published.has_value());
  EXPECT_EQ(published.error().kind, PublishFailure::over_time);
  EXPECT_NE(published.error().message.find("took too long to publish"), std::string::npos)
    << published.error().message;
  EXPECT_NE(published.error().message.find("time limit (30 seconds)"), std::string::npos);
  EXPECT_NE(published.error().message.find("0 of 3 files"), std::string::npos);
  EXPECT_EQ(objects.exists("manifests/overtime01.json"), false);
}

TEST(Publish, AStoreFailureIsNotTheUsersFault)
{
  Site site;
  TempDir store_dir;
  RecordingObjects objects(store_dir.path());
  objects.m_fail_puts = true;
  const auto files = collect_output(site.output, {});
  ASSERT_TRUE(files.has_value());
  const auto published = publish_output(objects, "storefail1", *files, k_default_blob_reuse_window);
  ASSERT_FALSE(published.has_value());
  EXPECT_EQ(published.error().kind, PublishFailure::store);
  EXPECT_EQ(published.error().message, "the store is down");
  EXPECT_EQ(objects.exists("manifests/storefail1.json"), false);
}

} // namespace reactor::builder
