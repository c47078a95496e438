#include "reactor/util/key_file.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <fstream>

namespace reactor::util {
namespace {

namespace fs = std::filesystem;

TEST(KeyFile, CreatesAKeyOnlyItsOwnerReadsAndReadsItBack)
{
  testing::TempDir dir;
  const auto path = dir.path() / "secrets.key";
  auto created = load_or_create_secret_key(path);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(fs::file_size(path), k_secret_key_bytes);
  EXPECT_EQ(fs::status(path).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_NE(*created, SecretKey{});
  auto read = load_or_create_secret_key(path);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, *created);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(KeyFile, RefusesAKeyOthersMayRead)
{
  testing::TempDir dir;
  const auto path = dir.path() / "secrets.key";
  ASSERT_TRUE(load_or_create_secret_key(path));
  fs::permissions(path, fs::perms::group_read, fs::perm_options::add);
  auto read = load_or_create_secret_key(path);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find("chmod 600"), std::string::npos);
}

TEST(KeyFile, RefusesAKeyOfTheWrongSize)
{
  testing::TempDir dir;
  const auto path = dir.path() / "secrets.key";
  std::ofstream(path) << "short";
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto read = load_or_create_secret_key(path);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find("is not 32 bytes"), std::string::npos);
}

TEST(KeyFile, RefusesAnUnreadableKey)
{
  testing::TempDir dir;
  const auto path = dir.path() / "secrets.key";
  fs::create_directory(path); // exists, but no key can be read from it
  fs::permissions(path, fs::perms::owner_all);
  EXPECT_FALSE(load_or_create_secret_key(path));
}

} // namespace
} // namespace reactor::util
