#include "reactor/builder/trash.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
#include <string>
#include <sys/mount.h>
#include <sys/stat.h>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;
using reactor::testing::TempDir;

// A tree like a small node_modules: `packages` folders of a few files each, one of them
// left unwritable and unreadable as a build can leave it.
void
make_tree(const fs::path& root, int packages)
{
  for (int i = 0; i < packages; ++i) {
    const auto package = root / "node_modules" / ("pkg" + std::to_string(i));
    testing::write_file(package / "package.json", "{}");
    testing::write_file(package / "lib" / "index.js", "module.exports = 1;");
  }
  ::chmod((root / "node_modules" / "pkg0" / "lib").c_str(), 0);
  ::chmod((root / "node_modules" / "pkg0").c_str(), 0500);
}

std::size_t
count_entries(const fs::path& dir)
{
  return static_cast<std::size_t>(
    std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

TEST(Trash, MovesAFolderAwayAtOnceAndDeletesItInTheBackground)
{
  const TempDir dir;
  make_tree(dir.path() / "work" / "attempt-1" / "abc", 200);
  Trash trash(dir.path() / "work" / "trash", 2);
  trash.discard(dir.path() / "work" / "attempt-1" / "abc");
  EXPECT_FALSE(fs::exists(dir.path() / "work" / "attempt-1" / "abc"));
  trash.wait_until_empty();
  EXPECT_EQ(count_entries(dir.path() / "work" / "trash"), 0u);
  trash.discard(dir.path() / "missing"); // nothing to do
}

TEST(Trash, NeverHoldsMoreThanItsBound)
{
  const TempDir dir;
  for (int i = 0; i < 4; ++i) {
    make_tree(dir.path() / ("ws" + std::to_string(i)), 300);
  }
  Trash trash(dir.path() / "trash", 1);
  for (int i = 0; i < 4; ++i) {
    trash.discard(dir.path() / ("ws" + std::to_string(i)));
    // Discarding waited for the remover to finish the previous folder.
    EXPECT_LE(count_entries(dir.path() / "trash"), 1u);
  }
  trash.wait_until_empty();
  EXPECT_EQ(count_entries(dir.path() / "trash"), 0u);
}

TEST(Trash, DeletesWhatAnEarlierProcessLeftAtStart)
{
  const TempDir dir;
  make_tree(dir.path() / "trash" / "left-behind", 50);
  Trash trash(dir.path() / "trash", 1);
  trash.wait_until_empty();
  EXPECT_EQ(count_entries(dir.path() / "trash"), 0u);
}

TEST(Trash, StopsInTheMiddleOfAFolderAndLeavesTheRestForNextTime)
{
  const TempDir dir;
  make_tree(dir.path() / "ws", 1000);
  {
    Trash trash(dir.path() / "trash", 1);
    trash.discard(dir.path() / "ws");
  } // stops at once, whatever is left
  Trash again(dir.path() / "trash", 1);
  again.wait_until_empty();
  EXPECT_EQ(count_entries(dir.path() / "trash"), 0u);
}

TEST(Trash, NeverDeletesThroughAMountInsideAFolder)
{
  if (::geteuid() != 0) {
    GTEST_SKIP() << "mounting needs root";
  }
  const TempDir dir;
  testing::write_file(dir.path() / "outside" / "keep", "kept");
  testing::write_file(dir.path() / "ws" / "own", "x");
  fs::create_directories(dir.path() / "ws" / "mounted");
  ASSERT_EQ(::mount((dir.path() / "outside").c_str(),
                    (dir.path() / "ws" / "mounted").c_str(),
                    nullptr,
                    MS_BIND,
                    nullptr),
            0);
  {
    Trash trash(dir.path() / "trash", 1);
    trash.discard(dir.path() / "ws");
    trash.wait_until_empty();
  }
  EXPECT_TRUE(fs::exists(dir.path() / "outside" / "keep"));
  for (const auto& entry : fs::directory_iterator(dir.path() / "trash")) {
    ::umount2((entry.path() / "mounted").c_str(), MNT_DETACH);
  }
}

} // namespace reactor::builder
