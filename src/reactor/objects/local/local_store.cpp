#include "reactor/objects/local/local_store.hpp"

#include "reactor/objects/object_key.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace reactor::objects::local {

namespace {

namespace fs = std::filesystem;

std::string
errno_text(std::string_view what, const fs::path& path)
{
  return std::string(what) + " " + path.string() + ": " + std::generic_category().message(errno);
}

std::chrono::system_clock::time_point
modification_time(const struct stat& info)
{
  return std::chrono::system_clock::time_point(
    std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::seconds(info.st_mtim.tv_sec) + std::chrono::nanoseconds(info.st_mtim.tv_nsec)));
}

bool
write_all(int fd, std::string_view bytes)
{
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

class LocalStore final : public ObjectStore
{
public:
  explicit LocalStore(fs::path root)
    : m_root(std::move(root))
  {
  }

  Result<void> put(std::string_view key, std::string_view bytes) override
  {
    return write_atomically(key, [&](int fd) -> Result<void> {
      if (!write_all(fd, bytes)) {
        return util::fail(errno_text("cannot write object", path_of(key)));
      }
      return {};
    });
  }

  Result<void> put_file(std::string_view key, const fs::path& file) override
  {
    return write_atomically(key, [&](int fd) -> Result<void> {
      const int source = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (source < 0) {
        return util::fail(errno_text("cannot open", file));
      }
      std::array<char, 64 * 1024> buffer{};
      for (;;) {
        const ssize_t n = ::read(source, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
          continue;
        }
        if (n < 0) {
          auto error = errno_text("cannot read", file);
          ::close(source);
          return util::fail(std::move(error));
        }
        if (n == 0) {
          break;
        }
        if (!write_all(fd, std::string_view(buffer.data(), static_cast<std::size_t>(n)))) {
          auto error = errno_text("cannot write object", path_of(key));
          ::close(source);
          return util::fail(std::move(error));
        }
      }
      ::close(source);
      return {};
    });
  }

  Result<std::optional<std::string>> get(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    const auto path = path_of(key);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return std::optional<std::string>{};
      }
      return util::fail(errno_text("cannot open object", path));
    }
    std::string bytes;
    struct stat info{};
    if (::fstat(fd, &info) == 0 && info.st_size > 0) {
      bytes.reserve(static_cast<std::size_t>(info.st_size));
    }
    std::array<char, 64 * 1024> buffer{};
    for (;;) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        auto error = errno_text("cannot read object", path);
        ::close(fd);
        return util::fail(std::move(error));
      }
      if (n == 0) {
        break;
      }
      bytes.append(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return std::optional<std::string>(std::move(bytes));
  }

  Result<bool> exists(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    struct stat info{};
    const auto path = path_of(key);
    if (::stat(path.c_str(), &info) == 0) {
      return S_ISREG(info.st_mode);
    }
    if (errno == ENOENT || errno == ENOTDIR) {
      return false;
    }
    return util::fail(errno_text("cannot stat object", path));
  }

  Result<std::optional<ObjectInfo>> stat(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    struct stat info{};
    const auto path = path_of(key);
    if (::stat(path.c_str(), &info) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return std::optional<ObjectInfo>{};
      }
      return util::fail(errno_text("cannot stat object", path));
    }
    if (!S_ISREG(info.st_mode)) {
      return std::optional<ObjectInfo>{};
    }
    return ObjectInfo{ std::string(key),
                       static_cast<std::uint64_t>(info.st_size),
                       modification_time(info) };
  }

  Result<std::vector<ObjectInfo>> list(std::string_view prefix) override
  {
    const auto folder = prefix.substr(0, prefix.rfind('/') == prefix.npos ? 0 : prefix.rfind('/'));
    std::vector<ObjectInfo> objects;
    std::error_code ec;
    const auto start = folder.empty() ? m_root : path_of(folder);
    if (!fs::exists(start, ec)) {
      return objects;
    }
    for (auto it = fs::recursive_directory_iterator(start, ec);
         !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      struct stat info{};
      if (::lstat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
        continue; // removed meanwhile, or a folder
      }
      auto key = it->path().lexically_relative(m_root).generic_string();
      if (key.starts_with(prefix)) {
        objects.push_back(
          { std::move(key), static_cast<std::uint64_t>(info.st_size), modification_time(info) });
      }
    }
    if (ec) {
      return util::fail("cannot list " + start.string() + ": " + ec.message());
    }
    return objects;
  }

  Result<void> remove(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    const auto path = path_of(key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
      return util::fail(errno_text("cannot remove object", path));
    }
    return {};
  }

  // Moves the object aside first, so a writer either finds it gone (and writes it again)
  // or has refreshed it before the move (and it is put back).
  Result<bool> remove_if_unchanged(std::string_view key,
                                   std::chrono::system_clock::time_point modified) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    const auto path = path_of(key);
    auto aside = path;
    aside += ".gc-" + std::to_string(::getpid()) + "-" + std::to_string(m_sequence++);
    if (::rename(path.c_str(), aside.c_str()) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return false;
      }
      return util::fail(errno_text("cannot move aside object", path));
    }
    struct stat info{};
    const bool rewritten = ::stat(aside.c_str(), &info) != 0 || modification_time(info) > modified;
    // link() refuses to replace a copy written meanwhile, which is just as good.
    if (rewritten && ::link(aside.c_str(), path.c_str()) != 0 && errno != EEXIST) {
      return util::fail(errno_text("cannot put back object", path));
    }
    ::unlink(aside.c_str());
    return !rewritten;
  }

  int open_file(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return -1;
    }
    return ::open(path_of(key).c_str(), O_RDONLY | O_CLOEXEC);
  }

private:
  fs::path path_of(std::string_view key) const { return m_root / fs::path(key); }

  template<typename Writer>
  Result<void> write_atomically(std::string_view key, Writer&& writer)
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    const auto target = path_of(key);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return util::fail("cannot create " + target.parent_path().string() + ": " + ec.message());
    }
    auto temp = target;
    temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(m_sequence++);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      return util::fail(errno_text("cannot create", temp));
    }
    auto written = writer(fd);
    if (written && ::fsync(fd) != 0) {
      written = util::fail(errno_text("cannot fsync", temp));
    }
    if (::close(fd) != 0 && written) {
      written = util::fail(errno_text("cannot close", temp));
    }
    if (written && ::rename(temp.c_str(), target.c_str()) != 0) {
      written = util::fail(errno_text("cannot rename to", target));
    }
    if (!written) {
      ::unlink(temp.c_str());
      return written;
    }
    const int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
    return {};
  }

  fs::path m_root;
  std::atomic<std::uint64_t> m_sequence{ 0 };
};

} // namespace

util::Result<std::unique_ptr<ObjectStore>>
create_store(const std::filesystem::path& root)
{
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) {
    return util::fail("cannot create object directory " + root.string() + ": " + ec.message());
  }
  return std::make_unique<LocalStore>(root);
}

} // namespace reactor::objects::local
