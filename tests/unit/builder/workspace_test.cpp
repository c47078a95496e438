#include "reactor/builder/workspace.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
#include <algorithm>

namespace reactor::builder {

namespace {

using reactor::testing::TempDir;

} // namespace

TEST(Workspace, EachAttemptBuildsInAFolderOfItsOwn)
{
  const TempDir dir;
  const auto workspace = Workspace::open(dir.path(), "abc123", 2);
  ASSERT_TRUE(workspace.has_value());
  EXPECT_EQ(workspace->path(), dir.path() / "attempt-2" / "abc123");
  EXPECT_EQ(workspace->deployment_id(), "abc123");
  EXPECT_FALSE(std::filesystem::exists(workspace->path())) << "opening creates nothing";
}

TEST(Workspace, RefusesAnIdThatCouldLeaveTheWorkDirectory)
{
  const TempDir dir;
  EXPECT_FALSE(Workspace::open(dir.path(), "../etc", 1).has_value());
  EXPECT_FALSE(Workspace::open(dir.path(), "", 1).has_value());
  EXPECT_FALSE(Workspace::open("", "abc123", 1).has_value());
}

TEST(Workspace, RemovesItselfAndTheFoldersOfEarlierAttempts)
{
  const TempDir dir;
  for (const auto* attempt : { "attempt-1", "attempt-2", "attempt-3" }) {
    testing::write_file(dir.path() / attempt / "abc123" / "src" / "file", "x");
    testing::write_file(dir.path() / attempt / "other1" / "file", "x");
  }
  Trash trash(dir.path() / "trash", 4);
  const auto second = Workspace::open(dir.path(), "abc123", 2);
  ASSERT_TRUE(second.has_value());
  second->remove_earlier_attempts(trash);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "attempt-1" / "abc123"));
  EXPECT_TRUE(std::filesystem::exists(second->path()));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "attempt-3" / "abc123"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "attempt-1" / "other1"));
  second->remove(trash);
  EXPECT_FALSE(std::filesystem::exists(second->path()));
  trash.wait_until_empty();
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "trash"));
}

TEST(Workspace, FindsTheWorkspacesOfEveryAttempt)
{
  const TempDir dir;
  testing::write_file(dir.path() / "attempt-1" / "abc123" / "file", "x");
  testing::write_file(dir.path() / "attempt-3" / "def456" / "file", "x");
  testing::write_file(dir.path() / "self-test" / "ghi789" / "file", "x");
  std::vector<std::filesystem::path> paths;
  for (const auto& workspace : find_workspaces(dir.path())) {
    paths.push_back(workspace.path());
  }
  std::ranges::sort(paths);
  EXPECT_EQ(paths,
            (std::vector<std::filesystem::path>{ dir.path() / "attempt-1" / "abc123",
                                                 dir.path() / "attempt-3" / "def456" }));
  EXPECT_TRUE(find_workspaces(dir.path() / "missing").empty());
}

} // namespace reactor::builder
