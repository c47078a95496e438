#include "reactor/objects/local/local_store.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reactor::objects::local {

namespace {

namespace fs = std::filesystem;

std::string
errno_text(std::string_view what, const fs::path& path)
{
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

bool
valid_key(std::string_view key)
{
  if (key.empty() || key.front() == '/' || key.back() == '/') {
    return false;
  }
  std::size_t start = 0;
  while (start <= key.size()) {
    const auto slash = key.find('/', start);
    const auto part = key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
    if (part.empty() || part == "." || part == ".." || part.find('\0') != part.npos) {
      return false;
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return true;
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
        return core::fail(errno_text("cannot write object", path_of(key)));
      }
      return {};
    });
  }

  Result<void> put_file(std::string_view key, const fs::path& file) override
  {
    return write_atomically(key, [&](int fd) -> Result<void> {
      const int source = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (source < 0) {
        return core::fail(errno_text("cannot open", file));
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
          return core::fail(std::move(error));
        }
        if (n == 0) {
          break;
        }
        if (!write_all(fd, std::string_view(buffer.data(), static_cast<std::size_t>(n)))) {
          auto error = errno_text("cannot write object", path_of(key));
          ::close(source);
          return core::fail(std::move(error));
        }
      }
      ::close(source);
      return {};
    });
  }

  Result<std::optional<std::string>> get(std::string_view key) override
  {
    if (!valid_key(key)) {
      return core::fail("invalid object key: " + std::string(key));
    }
    const auto path = path_of(key);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return std::optional<std::string>{};
      }
      return core::fail(errno_text("cannot open object", path));
    }
    std::string bytes;
    struct stat info
    {};
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
        return core::fail(std::move(error));
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
    if (!valid_key(key)) {
      return core::fail("invalid object key: " + std::string(key));
    }
    struct stat info
    {};
    const auto path = path_of(key);
    if (::stat(path.c_str(), &info) == 0) {
      return S_ISREG(info.st_mode);
    }
    if (errno == ENOENT || errno == ENOTDIR) {
      return false;
    }
    return core::fail(errno_text("cannot stat object", path));
  }

  int open_file(std::string_view key) override
  {
    if (!valid_key(key)) {
      return -1;
    }
    return ::open(path_of(key).c_str(), O_RDONLY | O_CLOEXEC);
  }

private:
  fs::path path_of(std::string_view key) const { return m_root / fs::path(key); }

  template<typename Writer>
  Result<void> write_atomically(std::string_view key, Writer&& writer)
  {
    if (!valid_key(key)) {
      return core::fail("invalid object key: " + std::string(key));
    }
    const auto target = path_of(key);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return core::fail("cannot create " + target.parent_path().string() + ": " + ec.message());
    }
    auto temp = target;
    temp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(m_sequence++);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      return core::fail(errno_text("cannot create", temp));
    }
    auto written = writer(fd);
    if (written && ::fsync(fd) != 0) {
      written = core::fail(errno_text("cannot fsync", temp));
    }
    if (::close(fd) != 0 && written) {
      written = core::fail(errno_text("cannot close", temp));
    }
    if (written && ::rename(temp.c_str(), target.c_str()) != 0) {
      written = core::fail(errno_text("cannot rename to", target));
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

core::Result<std::unique_ptr<ObjectStore>>
create_store(const std::filesystem::path& root)
{
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) {
    return core::fail("cannot create object directory " + root.string() + ": " + ec.message());
  }
  return std::make_unique<LocalStore>(root);
}

} // namespace reactor::objects::local
