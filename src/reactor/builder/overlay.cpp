#include "reactor/builder/overlay.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/util/log.hpp"

#include <algorithm>
#include <cerrno>
#include <string>
#include <sys/mount.h>
#include <system_error>
#include <utility>
#include <vector>

namespace reactor::builder {

namespace fs = std::filesystem;

namespace {

std::string
errno_text()
{
  return std::error_code(errno, std::generic_category()).message();
}

// overlayfs splits its options at ',' and lowerdir at ':'; paths with those are refused
// rather than escaped.
bool
fits_options(const fs::path& path)
{
  return path.is_absolute() && path.native().find_first_of(",:\\") == std::string::npos;
}

// A mount point as /proc/self/mountinfo writes it: space, tab, newline and backslash
// escaped as octal.
std::string
unescape_mount_point(std::string_view field)
{
  std::string path;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const auto digits = field.substr(i + 1, 3);
      if (std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '7'; })) {
        path += static_cast<char>(((digits[0] - '0') << 6) | ((digits[1] - '0') << 3) |
                                  (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    path += field[i];
  }
  return path;
}

} // namespace

Overlay::Overlay(fs::path target)
  : m_target(std::move(target))
{
}

Overlay::Overlay(Overlay&& other) noexcept
  : m_target(std::exchange(other.m_target, {}))
{
}

Overlay&
Overlay::operator=(Overlay&& other) noexcept
{
  if (this != &other) {
    unmount();
    m_target = std::exchange(other.m_target, {});
  }
  return *this;
}

Overlay::~Overlay()
{
  unmount();
}

util::Result<Overlay>
Overlay::mount(const fs::path& lower, const fs::path& target, const fs::path& scratch)
{
  if (!fits_options(lower) || !fits_options(scratch)) {
    return util::fail("the paths hold a character overlayfs cannot take (',' ':' '\\')");
  }
  const auto upper = scratch / "upper";
  const auto work = scratch / "work";
  std::error_code ec;
  if (fs::exists(fs::symlink_status(target, ec)) || fs::exists(fs::symlink_status(scratch, ec))) {
    return util::fail("cannot mount an overlay at " + target.string() + ": it exists already");
  }
  for (const auto& dir : { upper, work, target }) {
    fs::create_directories(dir, ec);
    if (ec) {
      return util::fail("cannot create " + dir.string() + ": " + ec.message());
    }
  }
  // volatile: what the build writes is thrown away, so nothing is worth syncing, and an
  // unmount would otherwise sync the whole upper filesystem (every file the install just
  // wrote: 0.2 s for a Vite app's dependencies). Kernels before 5.10 do not know it.
  const auto options =
    "lowerdir=" + lower.string() + ",upperdir=" + upper.string() + ",workdir=" + work.string();
  const auto mounted = [&](const std::string& with) {
    return ::mount("overlay", target.c_str(), "overlay", MS_NOSUID | MS_NODEV, with.c_str()) == 0;
  };
  if (!mounted(options + ",volatile") && (errno != EINVAL || !mounted(options))) {
    const auto reason = errno_text();
    fs::remove(target, ec);
    remove_tree(scratch);
    return util::fail("cannot mount an overlay: " + reason);
  }
  return Overlay(target);
}

void
Overlay::unmount()
{
  if (m_target.empty()) {
    return;
  }
  const auto target = std::exchange(m_target, {});
  if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) {
    return;
  }
  const auto reason = errno_text();
  if (::umount2(target.c_str(), UMOUNT_NOFOLLOW | MNT_DETACH) == 0) {
    util::log::warn("build.overlay_detached", { { "path", target.string() }, { "error", reason } });
    return;
  }
  util::log::error("build.overlay_unmount_failed",
                   { { "path", target.string() }, { "error", errno_text() } });
}

std::size_t
unmount_below(const fs::path& dir)
{
  const auto prefix = dir.lexically_normal().string() + "/";
  std::vector<std::string> below;
  const auto mountinfo = read_text("/proc/self/mountinfo");
  for (std::size_t start = 0; start < mountinfo.size();) {
    const auto end = std::min(mountinfo.find('\n', start), mountinfo.size());
    const std::string_view line(mountinfo.data() + start, end - start);
    start = end + 1;
    // "36 35 98:0 /root /mount/point options …": the fifth field is the mount point.
    std::size_t field_start = 0;
    for (int field = 0; field < 4 && field_start != std::string_view::npos; ++field) {
      field_start = line.find(' ', field_start);
      field_start = field_start == std::string_view::npos ? field_start : field_start + 1;
    }
    if (field_start == std::string_view::npos) {
      continue;
    }
    const auto mount_point =
      unescape_mount_point(line.substr(field_start, line.find(' ', field_start) - field_start));
    if (mount_point.starts_with(prefix)) {
      below.push_back(mount_point);
    }
  }
  // The deepest first: a mount inside another goes before it.
  std::ranges::sort(below, std::ranges::greater{});
  std::size_t count = 0;
  for (const auto& mount_point : below) {
    if (::umount2(mount_point.c_str(), UMOUNT_NOFOLLOW | MNT_DETACH) == 0) {
      ++count;
    }
  }
  return count;
}

} // namespace reactor::builder
