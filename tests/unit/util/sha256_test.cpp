#include "reactor/util/sha256.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace reactor::util {

TEST(Sha256, MatchesKnownDigests)
{
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, HashesFilesInChunks)
{
  testing::TempDir dir;
  std::string content;
  for (int i = 0; i < 50'000; ++i) {
    content += std::to_string(i);
  }
  const auto file = dir.path() / "big.bin";
  std::ofstream(file, std::ios::binary) << content;
  const auto hash = sha256_file_hex(file);
  ASSERT_TRUE(hash.has_value()) << hash.error().message;
  EXPECT_EQ(*hash, sha256_hex(content));
  EXPECT_FALSE(sha256_file_hex(dir.path() / "missing").has_value());
}

TEST(Sha256, HashesAnOpenDescriptorFromTheStart)
{
  testing::TempDir dir;
  const std::string content(200 * 1024, 'r');
  const auto file = dir.path() / "open.bin";
  std::ofstream(file, std::ios::binary) << content;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::lseek(fd, 10, SEEK_SET), 10);
  const auto hash = sha256_descriptor_hex(fd);
  ASSERT_TRUE(hash.has_value()) << hash.error().message;
  EXPECT_EQ(*hash, sha256_hex(content));
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), 10); // left where it was
  ::close(fd);
  EXPECT_FALSE(sha256_descriptor_hex(-1).has_value());
}

TEST(Sha256, DoesNotFollowSymlinks)
{
  testing::TempDir dir;
  std::filesystem::create_symlink("/etc/hostname", dir.path() / "link");
  EXPECT_FALSE(sha256_file_hex(dir.path() / "link").has_value());
}

} // namespace reactor::util
