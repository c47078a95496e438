#include "reactor/builder/disk_watch.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace reactor::builder {
namespace {

using reactor::testing::TempDir;
constexpr std::uint64_t k_mib = 1ULL << 20;

// `bytes` of data that no filesystem stores sparsely or compressed.
std::string
data(std::size_t bytes)
{
  std::string text(bytes, '\0');
  for (std::size_t i = 0; i < bytes; ++i) {
    text[i] = static_cast<char>((i * 2654435761U) >> 13U);
  }
  return text;
}

TEST(DiskWatch, FindsATreeOverItsLimitAtTheFirstCheck)
{
  const TempDir dir;
  testing::write_file(dir.path() / "big", data(2 * k_mib));
  DiskWatch watch(dir.path(), k_mib);
  EXPECT_TRUE(watch.over_limit());
  EXPECT_TRUE(watch.over_limit()) << "stays over";
}

// Where the growth test keeps its tree: the memory filesystem, where no other test's build
// frees space that would hide the growth from statvfs, as it did on the shared disk.
std::filesystem::path
quiet_filesystem()
{
  const std::filesystem::path memory = "/dev/shm";
  return std::filesystem::is_directory(memory) ? memory : std::filesystem::temp_directory_path();
}

TEST(DiskWatch, FindsGrowthPastTheLimitAtALaterCheck)
{
  const TempDir dir(quiet_filesystem());
  testing::write_file(dir.path() / "small", data(k_mib / 2));
  DiskWatch watch(dir.path(), 2 * k_mib);
  EXPECT_FALSE(watch.over_limit());
  testing::write_file(dir.path() / "more", data(32 * k_mib));
  // The filesystem grew by more than the room left, so a check walks the tree, long before
  // the walk every 5 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  bool found = false;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    found = watch.over_limit();
  }
  EXPECT_TRUE(found);
}

TEST(DiskWatch, WalksAtOnceWhenAskedTo)
{
  const TempDir dir;
  DiskWatch watch(dir.path(), 2 * k_mib);
  EXPECT_FALSE(watch.over_limit());
  testing::write_file(dir.path() / "big", data(3 * k_mib));
  EXPECT_FALSE(watch.over_limit()) << "too soon after the last check";
  EXPECT_TRUE(watch.over_limit(true));
}

TEST(DiskWatch, NeverFindsATreeOverNoLimit)
{
  const TempDir dir;
  testing::write_file(dir.path() / "big", data(2 * k_mib));
  DiskWatch watch(dir.path(), 0);
  EXPECT_FALSE(watch.over_limit(true));
}

} // namespace
} // namespace reactor::builder
