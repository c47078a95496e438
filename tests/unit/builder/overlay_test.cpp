#include "reactor/builder/overlay.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
#include <fcntl.h>
#include <fstream>
#include <sys/mount.h>
#include <unistd.h>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;
using reactor::testing::TempDir;

std::string
read(const fs::path& path)
{
  std::ifstream in(path);
  return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

class Overlays : public ::testing::Test
{
protected:
  void SetUp() override
  {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "mounting an overlay needs root";
    }
    testing::write_file(lower() / "pkg" / "index.js", "original");
  }

  fs::path lower() const { return m_dir.path() / "cache" / "tree"; }
  fs::path target() const { return m_dir.path() / "ws" / "node_modules"; }
  fs::path scratch() const { return m_dir.path() / "ws" / "overlay"; }

  TempDir m_dir;
};

} // namespace

TEST_F(Overlays, ShowsTheLowerFolderAndKeepsWritesAway)
{
  auto overlay = Overlay::mount(lower(), target(), scratch());
  ASSERT_TRUE(overlay.has_value()) << overlay.error().message;
  EXPECT_EQ(read(target() / "pkg" / "index.js"), "original");
  testing::write_file(target() / "pkg" / "index.js", "changed by the build");
  testing::write_file(target() / "new.js", "new");
  fs::remove(target() / "pkg" / "index.js");
  EXPECT_EQ(read(lower() / "pkg" / "index.js"), "original");
  EXPECT_FALSE(fs::exists(lower() / "new.js"));
  EXPECT_TRUE(fs::exists(scratch() / "upper" / "new.js")) << "writes go to the upper folder";

  overlay->unmount();
  EXPECT_TRUE(fs::is_empty(target()));
  overlay->unmount(); // a second time does nothing
}

TEST_F(Overlays, AreVolatileSoUnmountingSyncsNothing)
{
  auto overlay = Overlay::mount(lower(), target(), scratch());
  ASSERT_TRUE(overlay.has_value()) << overlay.error().message;
  const auto mounts = read("/proc/self/mountinfo");
  const auto line_start = mounts.rfind('\n', mounts.find(" " + target().string() + " ")) + 1;
  const auto line = mounts.substr(line_start, mounts.find('\n', line_start) - line_start);
  EXPECT_NE(line.find("volatile"), std::string::npos) << line;
}

TEST_F(Overlays, RefusesATargetThatExists)
{
  fs::create_directories(target());
  EXPECT_FALSE(Overlay::mount(lower(), target(), scratch()).has_value());
  EXPECT_FALSE(Overlay::mount(lower(), m_dir.path() / "other", "relative/scratch").has_value());
}

TEST_F(Overlays, DetachesAMountStillInUse)
{
  auto overlay = Overlay::mount(lower(), target(), scratch());
  ASSERT_TRUE(overlay.has_value()) << overlay.error().message;
  const int open_file = ::open((target() / "pkg" / "index.js").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(open_file, 0);
  overlay->unmount(); // busy with the open file
  char first = 0;
  EXPECT_EQ(::read(open_file, &first, 1), 1) << "what is open stays readable";
  ::close(open_file);
  EXPECT_TRUE(fs::is_empty(target()));
}

TEST_F(Overlays, UnmountsWhatAKilledProcessLeft)
{
  // Mounted as a process killed mid-build leaves them: no Overlay to unmount them.
  for (const auto& at : { m_dir.path() / "ws" / "a", m_dir.path() / "ws 2" / "b" }) {
    fs::create_directories(at);
    ASSERT_EQ(::mount("none", at.c_str(), "tmpfs", 0, "size=1m"), 0);
    testing::write_file(at / "on-the-mount", "x");
  }
  EXPECT_EQ(unmount_below(m_dir.path()), 2u);
  EXPECT_TRUE(fs::is_empty(m_dir.path() / "ws" / "a"));
  EXPECT_TRUE(fs::is_empty(m_dir.path() / "ws 2" / "b"));
  EXPECT_EQ(unmount_below(m_dir.path()), 0u);
}

} // namespace reactor::builder
