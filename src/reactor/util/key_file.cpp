#include "reactor/util/key_file.hpp"

#include "reactor/util/file_descriptor.hpp"
#include "reactor/util/random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reactor::util {

namespace {

std::string
reason()
{
  return std::strerror(errno); // NOLINT(concurrency-mt-unsafe): read at once
}

Result<SecretKey>
read_key(const std::filesystem::path& path)
{
  const std::string name = path.string();
  FileDescriptor file(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    return fail_for_good("cannot read the secrets key " + name + ": " + reason());
  }
  struct stat status{};
  if (::fstat(file.get(), &status) != 0) {
    return fail_for_good("cannot read the secrets key " + name + ": " + reason());
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return fail_for_good("the secrets key " + name +
                         " may be read by other users: make it its owner's only (chmod 600 " +
                         name + ")");
  }
  SecretKey key{};
  std::array<unsigned char, k_secret_key_bytes + 1> buffer{};
  std::size_t size = 0;
  while (size < buffer.size()) {
    const auto got = ::read(file.get(), buffer.data() + size, buffer.size() - size);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return fail_for_good("cannot read the secrets key " + name + ": " + reason());
    }
    if (got == 0) {
      break;
    }
    size += static_cast<std::size_t>(got);
  }
  if (size != k_secret_key_bytes) {
    return fail_for_good("the secrets key " + name + " is not " +
                         std::to_string(k_secret_key_bytes) +
                         " bytes: restore the operator's copy of it (a new key cannot open the "
                         "variables sealed with the old one)");
  }
  std::copy_n(buffer.begin(), k_secret_key_bytes, key.begin());
  return key;
}

Result<void>
create_key(const std::filesystem::path& path)
{
  SecretKey key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return fail("cannot make a secrets key: no random bytes");
  }
  const std::string temporary = path.string() + ".tmp-" + random_hex(8);
  {
    FileDescriptor file(
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR));
    if (file.get() < 0) {
      return fail_for_good("cannot create the secrets key " + path.string() + ": " + reason());
    }
    const bool written =
      ::write(file.get(), key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
      ::fsync(file.get()) == 0;
    if (!written) {
      const auto why = reason();
      ::unlink(temporary.c_str());
      return fail_for_good("cannot write the secrets key " + path.string() + ": " + why);
    }
  }
  // Never replaces a key another process made meanwhile: that one is read instead.
  if (::renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    if (error != EEXIST) {
      errno = error;
      return fail_for_good("cannot create the secrets key " + path.string() + ": " + reason());
    }
  }
  return {};
}

} // namespace

Result<SecretKey>
load_or_create_secret_key(const std::filesystem::path& path)
{
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
    if (auto created = create_key(path); !created) {
      return std::unexpected(created.error());
    }
  }
  return read_key(path);
}

} // namespace reactor::util
