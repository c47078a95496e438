#include "reactor/net/file_reads.hpp"

#include <climits>
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <string>

namespace reactor::net {
namespace {

class FileReadsTest : public ::testing::Test
{
protected:
  std::shared_ptr<const FileBody> file_with(const std::string& name, const std::string& content)
  {
    const auto path = m_dir.path() / name;
    std::ofstream(path, std::ios::binary) << content;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    return std::make_shared<const FileBody>(fd, content.size());
  }

private:
  testing::TempDir m_dir;
};

TEST_F(FileReadsTest, FillsEachRangeBetweenWhatTheBatchAlreadyHolds)
{
  const auto first = file_with("first", "0123456789abcdefghij");
  const auto second = file_with("second", "ABCDEFGHIJ");
  // Frame headers ("|") between runs of bytes: first[0..4) and first[4..10) follow each
  // other in the file (one read), second[2..5) and first[15..20) do not.
  std::string batch = "|....|......|...|.....|";
  FileReads reads;
  reads.add(first, 0, 1, 4);
  reads.add(first, 4, 6, 6);
  reads.add(second, 2, 13, 3);
  reads.add(first, 15, 17, 5);
  ASSERT_TRUE(reads.read_into(batch.data()));
  EXPECT_EQ(batch, "|0123|456789|CDE|fghij|");
  EXPECT_TRUE(reads.empty());
}

TEST_F(FileReadsTest, ReadsMoreRunsOfOneFileThanOnePreadvTakes)
{
  std::string content;
  for (int i = 0; i < IOV_MAX + 10; ++i) {
    content.push_back(static_cast<char>('a' + i % 26));
  }
  const auto file = file_with("long", content);
  std::string batch;
  FileReads reads;
  for (std::size_t i = 0; i < content.size(); ++i) {
    batch += '|';
    reads.add(file, i, batch.size(), 1);
    batch += '.';
  }
  ASSERT_TRUE(reads.read_into(batch.data()));
  for (std::size_t i = 0; i < content.size(); ++i) {
    ASSERT_EQ(batch[2 * i + 1], content[i]) << "byte " << i;
  }
}

TEST_F(FileReadsTest, SaysSoWhenAFileEndsBeforeItsRange)
{
  const auto file = file_with("short", "abc");
  std::string batch(10, '.');
  FileReads reads;
  reads.add(file, 0, 0, 10);
  EXPECT_FALSE(reads.read_into(batch.data()));
  EXPECT_EQ(batch.substr(0, 3), "abc");
  EXPECT_TRUE(reads.empty()); // the next batch starts afresh
}

} // namespace
} // namespace reactor::net
