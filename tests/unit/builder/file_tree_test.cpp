#include "reactor/builder/file_tree.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
#include <fstream>
#include <sys/stat.h>

namespace reactor::builder {

namespace fs = std::filesystem;
using reactor::testing::TempDir;
using testing::write_file;

TEST(FileTree, FindsRealFoldersOnly)
{
  TempDir dir;
  fs::create_directories(dir.path() / "apps/web");
  fs::create_symlink("/etc", dir.path() / "apps/etc");
  write_file(dir.path() / "file", "x");
  EXPECT_EQ(directory_inside(dir.path(), "apps/web").value(), dir.path() / "apps/web");
  EXPECT_EQ(directory_inside(dir.path(), "").value(), dir.path());
  EXPECT_FALSE(directory_inside(dir.path(), "apps/etc").has_value());
  EXPECT_FALSE(directory_inside(dir.path(), "apps/etc/ssl").has_value());
  EXPECT_FALSE(directory_inside(dir.path(), "file").has_value());
  EXPECT_FALSE(directory_inside(dir.path(), "apps/../..").has_value());
  EXPECT_FALSE(directory_inside(dir.path(), "missing").has_value());

  // Creating what is missing, but never through a link.
  EXPECT_EQ(directory_inside(dir.path(), "apps/web/node_modules/.cache", Missing::create).value(),
            dir.path() / "apps/web/node_modules/.cache");
  EXPECT_TRUE(fs::is_directory(dir.path() / "apps/web/node_modules/.cache"));
  EXPECT_FALSE(directory_inside(dir.path(), "apps/etc/new", Missing::create).has_value());
  EXPECT_FALSE(fs::exists("/etc/new"));
}

TEST(FileTree, FindsTheFolderWhereTheBuildJustWroteAnIndex)
{
  TempDir dir;
  write_file(dir.path() / "public/index.html", "source, older than the build");
  const auto built = fs::file_time_type::clock::now();
  fs::last_write_time(dir.path() / "public/index.html", built - std::chrono::hours(1));
  EXPECT_EQ(newest_site_folder(dir.path(), built), "");
  write_file(dir.path() / "node_modules/pkg/index.html", "never");
  write_file(dir.path() / ".cache/index.html", "never");
  write_file(dir.path() / "index.html", "the source page of the app itself");
  EXPECT_EQ(newest_site_folder(dir.path(), built), "");
  write_file(dir.path() / "site/www/index.html", "built");
  EXPECT_EQ(newest_site_folder(dir.path(), built), "site/www");
  fs::create_directories(dir.path() / "links");
  fs::create_directory_symlink(dir.path() / "site", dir.path() / "links/site");
  EXPECT_EQ(newest_site_folder(dir.path(), built), "site/www") << "links are not followed";
}

TEST(FileTree, CountsAllocatedBytesWithoutFollowingLinks)
{
  TempDir dir;
  write_file(dir.path() / "a/one", std::string(100'000, 'x'));
  write_file(dir.path() / "a/b/two", std::string(50'000, 'y'));
  fs::create_hard_link(dir.path() / "a/one", dir.path() / "a/one-again");
  fs::create_symlink("/usr", dir.path() / "a/usr");
  const auto total = allocated_bytes(dir.path());
  EXPECT_GE(total, 150'000u);
  EXPECT_LT(total, 200'000u);
  EXPECT_GT(allocated_bytes(dir.path(), 10'000), 10'000u);
  EXPECT_LT(allocated_bytes(dir.path(), 10'000), total);

  // A sparse file takes no room however large it claims to be.
  {
    std::ofstream sparse(dir.path() / "sparse");
  }
  fs::resize_file(dir.path() / "sparse", 1ULL << 40);
  EXPECT_LT(allocated_bytes(dir.path()), 200'000u);
}

TEST(FileTree, CopiesFilesModesAndLinksButNothingElse)
{
  TempDir dir;
  const auto from = dir.path() / "from";
  write_file(from / "bin/tool", "#!/bin/sh\necho hi\n");
  fs::permissions(from / "bin/tool", fs::perms(0755));
  write_file(from / "pkg/index.js", "module.exports = 1;");
  fs::create_symlink("../pkg/index.js", from / "bin/index");
  fs::create_symlink("/etc/passwd", from / "bin/passwd");
  ::mkfifo((from / "fifo").c_str(), 0600);

  const auto copied = copy_tree(from, dir.path() / "to");
  ASSERT_TRUE(copied.has_value()) << copied.error().message;
  EXPECT_GT(*copied, 0u);
  const auto to = dir.path() / "to";
  std::ifstream tool(to / "bin/tool");
  std::string first;
  std::getline(tool, first);
  EXPECT_EQ(first, "#!/bin/sh");
  EXPECT_EQ(fs::status(to / "bin/tool").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
  EXPECT_EQ(fs::read_symlink(to / "bin/index"), "../pkg/index.js");
  EXPECT_EQ(fs::read_symlink(to / "bin/passwd"), "/etc/passwd");
  EXPECT_FALSE(fs::exists(fs::symlink_status(to / "fifo")));

  // The copy is independent of the original.
  write_file(to / "pkg/index.js", "changed");
  std::ifstream original(from / "pkg/index.js");
  std::getline(original, first);
  EXPECT_EQ(first, "module.exports = 1;");

  EXPECT_FALSE(copy_tree(from, to).has_value());
  EXPECT_FALSE(copy_tree(from / "bin/index", dir.path() / "again").has_value());
}

TEST(FileTree, RemovesTreesABuildMadeReadOnly)
{
  TempDir dir;
  write_file(dir.path() / "t/locked/file", "x");
  fs::permissions(dir.path() / "t/locked", fs::perms(0500));
  remove_tree(dir.path() / "t");
  EXPECT_FALSE(fs::exists(dir.path() / "t"));
}

} // namespace reactor::builder
