#include "reactor/builder/dependency_cache.hpp"
#include "reactor/builder/file_tree.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
#include <fstream>
#include <optional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;
using reactor::testing::TempDir;
using testing::write_file;
using Strings = std::vector<std::string>;

std::string
read(const fs::path& path)
{
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text;
}

CacheKeyInput
key_input()
{
  return { "https://github.com/a/b", "abc123", "npm@11.19.1", "20.20.2", "", "npm ci", {} };
}

// A checkout after an install: node_modules with a package, a .bin link and a nested
// workspace node_modules.
void
installed(const fs::path& dir, std::string_view marker = "1")
{
  write_file(dir / "node_modules/left-pad/index.js", "module.exports = " + std::string(marker));
  write_file(dir / "node_modules/left-pad/package.json", R"({"name":"left-pad"})");
  fs::create_directories(dir / "node_modules/.bin");
  fs::create_symlink("../left-pad/index.js", dir / "node_modules/.bin/left-pad");
  write_file(dir / "packages/ui/node_modules/tiny/index.js", "tiny");
  write_file(dir / "src/index.js", "source");
}

// Restores into `dir`, the overlays' upper folders beside it.
util::Result<std::optional<DependencyCache::Restored>>
restore(DependencyCache& cache, const std::string& key, const fs::path& dir)
{
  return cache.restore(key, dir, dir.string() + "-overlay");
}

// Saves the install outputs of `dir` as `key`, the overlays' upper folders beside it.
util::Result<DependencyCache::Saved>
store(DependencyCache& cache, const std::string& key, const fs::path& dir)
{
  return cache.store(key, dir, dir.string() + "-saved");
}

// The bytes saved (the outputs shown back in `dir` unmounted again at once).
std::uint64_t
saved_bytes(DependencyCache& cache, const std::string& key, const fs::path& dir)
{
  return store(cache, key, dir).value().bytes;
}

// Whether an entry was restored into `dir` (its overlays unmounted again at once).
bool
restored(DependencyCache& cache, const std::string& key, const fs::path& dir)
{
  return restore(cache, key, dir).value().has_value();
}

} // namespace

TEST(DependencyCacheKey, CoversEveryFieldUnambiguously)
{
  const auto base = dependency_cache_key(key_input());
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(dependency_cache_key(key_input()), base);
  auto changed = key_input();
  changed.repository = "https://github.com/a/c";
  EXPECT_NE(dependency_cache_key(changed), base);
  changed = key_input();
  changed.lockfile_sha256 = "abc124";
  EXPECT_NE(dependency_cache_key(changed), base);
  changed = key_input();
  changed.package_manager = "npm@10.0.0";
  EXPECT_NE(dependency_cache_key(changed), base);
  changed = key_input();
  changed.node_version = "22.1.0";
  EXPECT_NE(dependency_cache_key(changed), base);
  changed = key_input();
  changed.install_command = "npm ci --omit=dev";
  EXPECT_NE(dependency_cache_key(changed), base);
  changed = key_input();
  changed.install_dir = "apps/web";
  EXPECT_NE(dependency_cache_key(changed), base);

  // Moving text from one field to the next is a different key.
  changed = key_input();
  changed.node_version = "";
  changed.install_dir = "20.20.2";
  EXPECT_NE(dependency_cache_key(changed), base);

  // The environment counts, in any order.
  auto with_env = key_input();
  with_env.env = { "NODE_ENV=production", "A=1" };
  auto reordered = key_input();
  reordered.env = { "A=1", "NODE_ENV=production" };
  EXPECT_NE(dependency_cache_key(with_env), base);
  EXPECT_EQ(dependency_cache_key(with_env), dependency_cache_key(reordered));
}

TEST(DependencyCache, FindsTheInstallOutputs)
{
  TempDir dir;
  installed(dir.path());
  write_file(dir.path() / ".pnp.cjs", "pnp");
  write_file(dir.path() / ".yarn/unplugged/x/node_modules/x/index.js", "x");
  write_file(dir.path() / ".yarn/install-state.gz", "state");
  fs::create_directories(dir.path() / "apps");
  fs::create_symlink(dir.path() / "node_modules", dir.path() / "apps/node_modules");
  fs::create_symlink("/usr/lib", dir.path() / "packages/node_modules");
  EXPECT_EQ(install_outputs(dir.path()),
            (Strings{ ".pnp.cjs",
                      ".yarn/install-state.gz",
                      ".yarn/unplugged",
                      "node_modules",
                      "packages/ui/node_modules" }));
}

TEST(DependencyCache, FindsWorkspacePackagesWithInstallScripts)
{
  TempDir dir;
  write_file(dir.path() / "package.json", R"({"scripts":{"postinstall":"x"}})");
  write_file(dir.path() / "packages/a/package.json", R"({"scripts":{"build":"tsc"}})");
  write_file(dir.path() / "node_modules/dep/package.json", R"({"scripts":{"install":"x"}})");
  EXPECT_EQ(workspace_install_script(dir.path()), "");
  write_file(dir.path() / "packages/b/package.json", R"({"scripts":{"prepare":"tsc"}})");
  EXPECT_EQ(workspace_install_script(dir.path()), "packages/b/package.json");
}

TEST(DependencyCache, RestoresWhatBuildsCannotChange)
{
  TempDir dir;
  DependencyCache cache(dir.path() / "cache", 64ULL << 20);
  const auto key = dependency_cache_key(key_input());
  const auto first = dir.path() / "first";
  EXPECT_FALSE(restored(cache, key, first));

  installed(first);
  const auto stored = store(cache, key, first);
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_GT(stored->bytes, 0u);
  EXPECT_EQ(cache.size(), stored->bytes);
  EXPECT_EQ(saved_bytes(cache, key, first), 0u) << "an entry is written once";

  const auto second = dir.path() / "second";
  write_file(second / "src/index.js", "newer source");
  fs::create_directories(second / "packages/ui");
  auto second_restored = restore(cache, key, second);
  ASSERT_TRUE(second_restored.has_value() && second_restored->has_value());
  if (::geteuid() == 0) {
    EXPECT_EQ((*second_restored)->copied_because(), "") << "root mounts overlays";
  }
  EXPECT_EQ(read(second / "node_modules/left-pad/index.js"), "module.exports = 1");
  EXPECT_EQ(fs::read_symlink(second / "node_modules/.bin/left-pad"), "../left-pad/index.js");
  EXPECT_EQ(read(second / "packages/ui/node_modules/tiny/index.js"), "tiny");
  EXPECT_EQ(read(second / "src/index.js"), "newer source");

  // What one build does to what it was given never reaches the next build.
  write_file(second / "node_modules/left-pad/index.js", "poisoned");
  write_file(second / "node_modules/added/index.js", "added");
  fs::remove_all(second / "packages/ui/node_modules/tiny");
  const auto third = dir.path() / "third";
  fs::create_directories(third / "packages/ui");
  {
    const auto third_restored = restore(cache, key, third);
    ASSERT_TRUE(third_restored.has_value() && third_restored->has_value());
    EXPECT_EQ(read(third / "node_modules/left-pad/index.js"), "module.exports = 1");
    EXPECT_EQ(read(third / "packages/ui/node_modules/tiny/index.js"), "tiny");
    EXPECT_FALSE(fs::exists(third / "node_modules/added"));
  }
  EXPECT_EQ(read(second / "node_modules/left-pad/index.js"), "poisoned");
  second_restored->reset();
  EXPECT_TRUE(fs::is_empty(second / "node_modules")) << "unmounted with the restore";
  EXPECT_TRUE(fs::is_empty(third / "node_modules"));
}

TEST(DependencyCache, KeepsAnEntryWhileItIsMounted)
{
  TempDir dir;
  DependencyCache cache(dir.path() / "cache", 64ULL << 20, std::chrono::hours(1));
  const auto key = dependency_cache_key(key_input());
  installed(dir.path() / "first");
  ASSERT_GT(saved_bytes(cache, key, dir.path() / "first"), 0u);
  fs::create_directories(dir.path() / "second/packages/ui");
  auto mounted = restore(cache, key, dir.path() / "second");
  ASSERT_TRUE(mounted.has_value() && mounted->has_value());
  fs::last_write_time(dir.path() / "cache" / key / "used",
                      fs::file_time_type::clock::now() - std::chrono::hours(48));
  EXPECT_EQ(cache.trim().entries, 0u) << "in use by a build";
  EXPECT_EQ(read(dir.path() / "second/node_modules/left-pad/index.js"), "module.exports = 1");
  mounted->reset();
  EXPECT_EQ(cache.trim().entries, 1u);
}

TEST(DependencyCache, RefusesToRestoreOverOrThroughTheCheckout)
{
  TempDir dir;
  DependencyCache cache(dir.path() / "cache", 64ULL << 20);
  const auto key = dependency_cache_key(key_input());
  installed(dir.path() / "first");
  ASSERT_TRUE(store(cache, key, dir.path() / "first").has_value());

  // packages/ is a link out of the checkout: nothing may be written through it.
  const auto linked = dir.path() / "linked";
  const auto outside = dir.path() / "outside";
  fs::create_directories(linked);
  fs::create_directories(outside / "ui");
  fs::create_symlink(outside, linked / "packages");
  EXPECT_FALSE(restore(cache, key, linked).has_value());
  EXPECT_FALSE(fs::exists(outside / "ui/node_modules"));
  EXPECT_FALSE(fs::exists(linked / "node_modules")) << "a failed restore is undone";

  // A checkout that has node_modules already is left alone.
  const auto committed = dir.path() / "committed";
  write_file(committed / "node_modules/own.js", "own");
  fs::create_directories(committed / "packages/ui");
  EXPECT_FALSE(restore(cache, key, committed).has_value());
  EXPECT_EQ(read(committed / "node_modules/own.js"), "own");
}

TEST(DependencyCache, EvictsTheLeastRecentlyUsedEntries)
{
  TempDir dir;
  const auto project = [&](const std::string& name) {
    const auto path = dir.path() / name;
    write_file(path / "node_modules/big/data", std::string(400'000, 'x'));
    return path;
  };
  DependencyCache cache(dir.path() / "cache", 1'000'000);
  for (const auto* name : { "use-a", "again-a", "again-b", "again-c" }) {
    fs::create_directories(dir.path() / name);
  }
  const auto key = [](const std::string& lockfile) {
    auto input = key_input();
    input.lockfile_sha256 = lockfile;
    return dependency_cache_key(input);
  };
  ASSERT_GT(saved_bytes(cache, key("a"), project("a")), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GT(saved_bytes(cache, key("b"), project("b")), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(restored(cache, key("a"), dir.path() / "use-a"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GT(saved_bytes(cache, key("c"), project("c")), 0u);

  EXPECT_LE(cache.size(), 1'000'000u);
  EXPECT_TRUE(restored(cache, key("a"), dir.path() / "again-a")) << "recently used";
  EXPECT_FALSE(restored(cache, key("b"), dir.path() / "again-b")) << "least recently used";
  EXPECT_TRUE(restored(cache, key("c"), dir.path() / "again-c"));

  write_file(dir.path() / "huge/node_modules/big/data", std::string(2'000'000, 'x'));
  EXPECT_EQ(saved_bytes(cache, key("huge"), dir.path() / "huge"), 0u) << "larger than the cache";
}

TEST(DependencyCache, TrimRemovesEntriesUnusedForTooLong)
{
  TempDir dir;
  DependencyCache cache(dir.path() / "cache", 10'000'000, std::chrono::hours(24));
  const auto key = [](const std::string& lockfile) {
    auto input = key_input();
    input.lockfile_sha256 = lockfile;
    return dependency_cache_key(input);
  };
  for (const auto* name : { "old", "recent" }) {
    write_file(dir.path() / name / "node_modules/pkg/index.js", std::string(1000, 'x'));
    ASSERT_GT(saved_bytes(cache, key(name), dir.path() / name), 0u);
  }
  // Last restored two days ago.
  fs::last_write_time(dir.path() / "cache" / key("old") / "used",
                      fs::file_time_type::clock::now() - std::chrono::hours(48));
  const auto bytes_before = cache.size();

  const auto trimmed = cache.trim();
  EXPECT_EQ(trimmed.entries, 1u);
  EXPECT_EQ(trimmed.bytes, bytes_before - cache.size());
  fs::create_directories(dir.path() / "use-old");
  fs::create_directories(dir.path() / "use-recent");
  EXPECT_FALSE(restored(cache, key("old"), dir.path() / "use-old"));
  EXPECT_TRUE(restored(cache, key("recent"), dir.path() / "use-recent"));
  EXPECT_EQ(cache.trim().entries, 0u);
}

} // namespace reactor::builder

namespace reactor::builder {

TEST(DependencyCache, DoesNotInflateSparseFiles)
{
  TempDir dir;
  const auto project = dir.path() / "project";
  write_file(project / "node_modules/pkg/index.js", "x");
  {
    std::ofstream sparse(project / "node_modules/pkg/hole");
  }
  fs::resize_file(project / "node_modules/pkg/hole", 512ULL << 20);
  DependencyCache cache(dir.path() / "cache", 8ULL << 20);
  const auto stored = store(cache, dependency_cache_key(key_input()), project);
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_LT(cache.size(), 1ULL << 20) << "counted as the disk holds it";
  EXPECT_LT(allocated_bytes(dir.path() / "cache"), 1ULL << 20);
}

TEST(DependencyCache, MovesTheOutputsInAndShowsThemBack)
{
  TempDir dir;
  DependencyCache cache(dir.path() / "cache", 64ULL << 20, std::chrono::hours(1));
  const auto key = dependency_cache_key(key_input());
  const auto first = dir.path() / "first";
  installed(first);
  auto saved = store(cache, key, first);
  ASSERT_TRUE(saved.has_value()) << saved.error().message;
  ASSERT_TRUE(saved->shown.has_value()) << "moved, not copied";
  if (::geteuid() == 0) {
    EXPECT_EQ(saved->shown->copied_because(), "") << "root mounts overlays";
  }
  EXPECT_EQ(read(first / "node_modules/left-pad/index.js"), "module.exports = 1");
  EXPECT_EQ(fs::read_symlink(first / "node_modules/.bin/left-pad"), "../left-pad/index.js");
  EXPECT_EQ(read(first / "packages/ui/node_modules/tiny/index.js"), "tiny");

  // The build that follows the install cannot change what the entry keeps.
  write_file(first / "node_modules/left-pad/index.js", "changed by the build");
  const auto second = dir.path() / "second";
  fs::create_directories(second / "packages/ui");
  EXPECT_TRUE(restored(cache, key, second));
  const auto third = dir.path() / "third";
  fs::create_directories(third / "packages/ui");
  auto third_restored = restore(cache, key, third);
  ASSERT_TRUE(third_restored.has_value() && third_restored->has_value());
  EXPECT_EQ(read(third / "node_modules/left-pad/index.js"), "module.exports = 1");

  // Shown in a checkout, the entry is in use.
  third_restored->reset();
  fs::last_write_time(dir.path() / "cache" / key / "used",
                      fs::file_time_type::clock::now() - std::chrono::hours(48));
  EXPECT_EQ(cache.trim().entries, 0u);
  saved->shown.reset();
  EXPECT_EQ(cache.trim().entries, 1u);
}

TEST(DependencyCache, CopiesIntoACacheOnAnotherFilesystem)
{
  TempDir dir;
  TempDir elsewhere("/dev/shm");
  struct stat here{};
  struct stat there{};
  if (::stat(dir.path().c_str(), &here) != 0 || ::stat(elsewhere.path().c_str(), &there) != 0 ||
      here.st_dev == there.st_dev) {
    GTEST_SKIP() << "/dev/shm is not another filesystem here";
  }
  DependencyCache cache(elsewhere.path() / "cache", 64ULL << 20);
  const auto key = dependency_cache_key(key_input());
  const auto first = dir.path() / "first";
  installed(first);
  const auto saved = store(cache, key, first);
  ASSERT_TRUE(saved.has_value()) << saved.error().message;
  EXPECT_GT(saved->bytes, 0u);
  EXPECT_FALSE(saved->shown.has_value()) << "the checkout keeps its own";
  EXPECT_EQ(read(first / "node_modules/left-pad/index.js"), "module.exports = 1");
  const auto second = dir.path() / "second";
  fs::create_directories(second / "packages/ui");
  EXPECT_TRUE(restored(cache, key, second));
}

} // namespace reactor::builder
