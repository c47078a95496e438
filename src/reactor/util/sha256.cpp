#include "reactor/util/sha256.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <system_error>
#include <unistd.h>

namespace reactor::util {

namespace {

struct DigestDeleter
{
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestDeleter>;

DigestContext
new_context()
{
  DigestContext context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    throw std::bad_alloc();
  }
  return context;
}

// The digest's raw bytes.
std::string
finish(EVP_MD_CTX* context)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, digest.data(), &length);
  return { reinterpret_cast<const char*>(digest.data()), length };
}

} // namespace

std::string
to_hex(std::string_view bytes)
{
  constexpr std::string_view k_hex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char byte : bytes) {
    const auto value = static_cast<unsigned char>(byte);
    out.push_back(k_hex[value >> 4]);
    out.push_back(k_hex[value & 0x0f]);
  }
  return out;
}

std::string
hmac_sha256(std::string_view key, std::string_view message)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(),
       key.data(),
       static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()),
       message.size(),
       digest.data(),
       &length);
  return { reinterpret_cast<const char*>(digest.data()), length };
}

bool
equal_in_constant_time(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string
sha256(std::string_view bytes)
{
  auto context = new_context();
  EVP_DigestUpdate(context.get(), bytes.data(), bytes.size());
  return finish(context.get());
}

std::string
sha256_hex(std::string_view bytes)
{
  return to_hex(sha256(bytes));
}

Result<std::string>
sha256_file_hex(const std::filesystem::path& file)
{
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return fail(file.string() + ": " + std::generic_category().message(errno));
  }
  auto context = new_context();
  std::array<char, 64 * 1024> buffer{};
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int saved = errno;
      ::close(fd);
      return fail(file.string() + ": " + std::generic_category().message(saved));
    }
    if (got == 0) {
      break;
    }
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(got));
  }
  ::close(fd);
  return to_hex(finish(context.get()));
}

Result<std::string>
sha256_descriptor_hex(int fd)
{
  auto context = new_context();
  std::array<char, 64 * 1024> buffer{};
  for (off_t offset = 0;;) {
    const ssize_t got = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(std::generic_category().message(errno));
    }
    if (got == 0) {
      break;
    }
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(got));
    offset += got;
  }
  return to_hex(finish(context.get()));
}

} // namespace reactor::util
