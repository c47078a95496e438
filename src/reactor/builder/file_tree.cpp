#include "reactor/builder/file_tree.hpp"

#include "reactor/util/file_descriptor.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;

constexpr int k_max_depth = 256;
// Deleting goes deeper than copying or counting: a tree a build made must not outlive it.
constexpr int k_max_removal_depth = 4096;
constexpr int k_open_directory = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

std::string
errno_text()
{
  return std::error_code(errno, std::generic_category()).message();
}

// The names in the directory open at `fd` (consumed), without "." and "..".
std::vector<std::string>
entries(int fd)
{
  std::vector<std::string> names;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return names;
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): readdir is safe on a stream no other thread uses.
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") {
      names.emplace_back(name);
    }
  }
  ::closedir(dir);
  return names;
}

class Counter
{
public:
  explicit Counter(std::uint64_t stop_above)
    : m_stop_above(stop_above)
  {
  }

  // Counts what is on `device` only: a filesystem mounted inside (a dependency overlay)
  // holds its files elsewhere.
  void set_device(dev_t device) { m_device = device; }

  void add(const struct stat& info)
  {
    if (info.st_nlink > 1 && !S_ISDIR(info.st_mode) &&
        !m_seen.emplace(info.st_dev, info.st_ino).second) {
      return;
    }
    m_total += static_cast<std::uint64_t>(info.st_blocks) * 512;
  }

  bool done() const { return m_stop_above != 0 && m_total > m_stop_above; }

  void mark_too_deep() { m_total = std::max(m_total, m_stop_above + 1); }

  void walk(int directory, int depth)
  {
    if (depth > k_max_depth) {
      mark_too_deep();
      return;
    }
    for (const auto& name : entries(::dup(directory))) {
      if (done()) {
        return;
      }
      struct stat info{};
      if (::fstatat(directory, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
        continue;
      }
      add(info);
      if (S_ISDIR(info.st_mode) && info.st_dev == m_device) {
        util::FileDescriptor child(::openat(directory, name.c_str(), k_open_directory));
        if (child.get() >= 0) {
          walk(child.get(), depth + 1);
        }
      }
    }
  }

  std::uint64_t total() const { return m_total; }

private:
  const std::uint64_t m_stop_above;
  dev_t m_device = 0;
  std::uint64_t m_total = 0;
  std::set<std::pair<dev_t, ino_t>> m_seen;
};

util::Result<void>
copy_file_contents(int from, int to)
{
  for (;;) {
    const auto copied = ::copy_file_range(from, nullptr, to, nullptr, 1 << 30, 0);
    if (copied == 0) {
      return {};
    }
    if (copied > 0) {
      continue;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
      return util::fail("cannot copy a file: " + errno_text());
    }
    break;
  }
  char buffer[64 * 1024];
  for (;;) {
    const auto got = ::read(from, buffer, sizeof buffer);
    if (got == 0) {
      return {};
    }
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return util::fail("cannot read a file: " + errno_text());
    }
    for (ssize_t written = 0; written < got;) {
      const auto n = ::write(to, buffer + written, static_cast<std::size_t>(got - written));
      if (n < 0 && errno != EINTR) {
        return util::fail("cannot write a file: " + errno_text());
      }
      written += n > 0 ? n : 0;
    }
  }
}

class Copier
{
public:
  explicit Copier(std::uint64_t max_bytes)
    : m_max_bytes(max_bytes)
  {
  }

  util::Result<void> copy_directory(int from, int to, int depth)
  {
    if (depth > k_max_depth) {
      return util::fail("the tree is deeper than " + std::to_string(k_max_depth) + " levels");
    }
    for (const auto& name : entries(::dup(from))) {
      struct stat info{};
      if (::fstatat(from, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
        return util::fail("cannot read " + name + ": " + errno_text());
      }
      auto copied = copy_entry(from, to, name, info, depth);
      if (!copied) {
        return copied;
      }
    }
    return {};
  }

  std::uint64_t bytes() const { return m_counter.total(); }

private:
  util::Result<void> copy_entry(int from,
                                int to,
                                const std::string& name,
                                const struct stat& info,
                                int depth)
  {
    const char* c_name = name.c_str();
    if (S_ISDIR(info.st_mode)) {
      if (::mkdirat(to, c_name, 0700) != 0) {
        return util::fail("cannot create " + name + ": " + errno_text());
      }
      util::FileDescriptor source(::openat(from, c_name, k_open_directory));
      util::FileDescriptor target(::openat(to, c_name, k_open_directory));
      if (source.get() < 0 || target.get() < 0) {
        return util::fail("cannot open " + name + ": " + errno_text());
      }
      auto copied = copy_directory(source.get(), target.get(), depth + 1);
      ::fchmod(target.get(), (info.st_mode & 0777) | 0700);
      struct stat created{};
      if (::fstat(target.get(), &created) == 0) {
        m_counter.add(created);
      }
      return copied;
    }
    if (S_ISLNK(info.st_mode)) {
      std::string target(static_cast<std::size_t>(info.st_size) + 1, '\0');
      const auto length = ::readlinkat(from, c_name, target.data(), target.size());
      if (length < 0 || static_cast<std::size_t>(length) >= target.size()) {
        return util::fail("cannot read the link " + name + ": " + errno_text());
      }
      target.resize(static_cast<std::size_t>(length));
      if (::symlinkat(target.c_str(), to, c_name) != 0) {
        return util::fail("cannot create the link " + name + ": " + errno_text());
      }
      return {};
    }
    if (!S_ISREG(info.st_mode)) {
      return {};
    }
    m_logical += static_cast<std::uint64_t>(info.st_size);
    if (m_max_bytes != 0 && m_logical > m_max_bytes) {
      return util::fail("the tree holds more than " + std::to_string(m_max_bytes) +
                        " bytes of files (sparse files count at their full size)");
    }
    util::FileDescriptor source(::openat(from, c_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (source.get() < 0) {
      return util::fail("cannot open " + name + ": " + errno_text());
    }
    util::FileDescriptor target(
      ::openat(to, c_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (target.get() < 0) {
      return util::fail("cannot create " + name + ": " + errno_text());
    }
    if (auto copied = copy_file_contents(source.get(), target.get()); !copied) {
      return copied;
    }
    ::fchmod(target.get(), info.st_mode & 0777);
    struct stat created{};
    if (::fstat(target.get(), &created) == 0) {
      m_counter.add(created);
    }
    return {};
  }

  const std::uint64_t m_max_bytes;
  std::uint64_t m_logical = 0;
  Counter m_counter{ 0 };
};

// Where a file lives: its filesystem and its mount (a bind mount of the same filesystem
// has the same device but a mount of its own; 0 before Linux 5.8).
struct Mount
{
  std::uint64_t device = 0;
  std::uint64_t id = 0;
  bool operator==(const Mount&) const = default;
};

// The mode of `name` in the directory open at `fd` (AT_FDCWD: a path) and its mount,
// without following a symbolic link; nullopt when it cannot be read.
std::optional<std::pair<mode_t, Mount>>
mode_and_mount(int fd, const char* name)
{
  struct statx info{};
  if (::statx(fd, name, AT_SYMLINK_NOFOLLOW, STATX_MODE | STATX_MNT_ID, &info) != 0) {
    return std::nullopt;
  }
  const Mount mount{ ::makedev(info.stx_dev_major, info.stx_dev_minor),
                     (info.stx_mask & STATX_MNT_ID) != 0 ? info.stx_mnt_id : 0 };
  return std::pair{ static_cast<mode_t>(info.stx_mode), mount };
}

// Deletes what the directory open at `fd` holds, within `mount` only (a folder where
// something is mounted is left, and rmdir then fails on it); folders a build made
// unreadable or unwritable are made usable first. False once `stop` is set.
bool
remove_entries(int fd, const Mount& mount, const std::atomic<bool>* stop, int depth)
{
  bool complete = true;
  for (const auto& name : entries(::dup(fd))) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
      return false;
    }
    const auto found = mode_and_mount(fd, name.c_str());
    if (!found) {
      continue;
    }
    const auto [mode, where] = *found;
    if (!S_ISDIR(mode)) {
      ::unlinkat(fd, name.c_str(), 0);
      continue;
    }
    if (where != mount || depth >= k_max_removal_depth) {
      continue;
    }
    if ((mode & 0700) != 0700) {
      ::fchmodat(fd, name.c_str(), (mode & 07777) | 0700, 0);
    }
    const util::FileDescriptor child(::openat(fd, name.c_str(), k_open_directory));
    if (child.get() >= 0) {
      complete = remove_entries(child.get(), mount, stop, depth + 1) && complete;
    }
    ::unlinkat(fd, name.c_str(), AT_REMOVEDIR);
  }
  return complete;
}

} // namespace

util::Result<fs::path>
directory_inside(const fs::path& root, std::string_view relative, Missing missing)
{
  fs::path current = root;
  std::string_view rest = relative;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      return util::fail("\"" + std::string(relative) + "\" leaves the repository");
    }
    current /= part;
    std::error_code ec;
    const auto status = fs::symlink_status(current, ec);
    if (!fs::exists(status) && missing == Missing::create) {
      fs::create_directory(current, ec);
      if (ec) {
        return util::fail("cannot create \"" + std::string(relative) + "\": " + ec.message());
      }
      continue;
    }
    if (ec || !fs::exists(status)) {
      return util::fail("\"" + std::string(relative) + "\" does not exist in the repository");
    }
    if (fs::is_symlink(status) || !fs::is_directory(status)) {
      return util::fail("\"" + std::string(relative) +
                        "\" is not a folder in the repository (a file or a symbolic link)");
    }
  }
  return current;
}

std::uint64_t
allocated_bytes(const fs::path& root, std::uint64_t stop_above)
{
  Counter counter(stop_above);
  struct stat info{};
  if (::lstat(root.c_str(), &info) != 0) {
    return 0;
  }
  counter.add(info);
  counter.set_device(info.st_dev);
  if (S_ISDIR(info.st_mode)) {
    util::FileDescriptor directory(::open(root.c_str(), k_open_directory));
    if (directory.get() >= 0) {
      counter.walk(directory.get(), 0);
    }
  }
  return counter.total();
}

util::Result<std::uint64_t>
copy_tree(const fs::path& from, const fs::path& to, std::uint64_t max_bytes)
{
  util::FileDescriptor source(::open(from.c_str(), k_open_directory));
  if (source.get() < 0) {
    return util::fail("cannot copy " + from.string() + ": not a directory");
  }
  if (::mkdir(to.c_str(), 0700) != 0) {
    return util::fail("cannot create " + to.string() + ": " + errno_text());
  }
  util::FileDescriptor target(::open(to.c_str(), k_open_directory));
  if (target.get() < 0) {
    return util::fail("cannot open " + to.string() + ": " + errno_text());
  }
  Copier copier(max_bytes);
  if (auto copied = copier.copy_directory(source.get(), target.get(), 0); !copied) {
    return std::unexpected(std::move(copied.error()));
  }
  return copier.bytes();
}

bool
remove_tree(const fs::path& root, const std::atomic<bool>* stop)
{
  const auto found = mode_and_mount(AT_FDCWD, root.c_str());
  if (!found) {
    return true;
  }
  const auto [mode, mount] = *found;
  if (!S_ISDIR(mode)) {
    ::unlink(root.c_str());
    return true;
  }
  if ((mode & 0700) != 0700) {
    ::chmod(root.c_str(), (mode & 07777) | 0700);
  }
  const util::FileDescriptor directory(::open(root.c_str(), k_open_directory));
  if (directory.get() < 0 || !remove_entries(directory.get(), mount, stop, 0)) {
    return false;
  }
  ::rmdir(root.c_str());
  return true;
}

std::string
newest_site_folder(const fs::path& root, fs::file_time_type since)
{
  constexpr int k_site_depth = 3;
  std::string best;
  auto best_time = since;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  for (const fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!it->is_directory(ec) || it->is_symlink(ec) || name == "node_modules" ||
        name.starts_with('.')) {
      if (it->is_directory(ec) || it->is_symlink(ec)) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (it.depth() + 1 >= k_site_depth) {
      it.disable_recursion_pending();
    }
    const auto page = it->path() / "index.html";
    const auto status = fs::symlink_status(page, ec);
    if (ec || !fs::is_regular_file(status)) {
      ec.clear();
      continue;
    }
    const auto written = fs::last_write_time(page, ec);
    if (!ec && written >= best_time) {
      best_time = written;
      best = it->path().lexically_relative(root).generic_string();
    }
    ec.clear();
  }
  return best;
}

std::string
read_text(const std::filesystem::path& file)
{
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace reactor::builder
