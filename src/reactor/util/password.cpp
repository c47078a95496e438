#include "reactor/util/password.hpp"

#include "reactor/util/random.hpp"
#include "reactor/util/sha256.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

namespace reactor::util {

namespace {

constexpr std::string_view k_scheme = "pbkdf2-sha256";
constexpr std::size_t k_salt_bytes = 16;
constexpr std::size_t k_hash_bytes = 32;
// More would let a stored value make each check take minutes.
constexpr std::uint32_t k_max_iterations = 10'000'000;

std::string
to_hex(const unsigned char* bytes, std::size_t size)
{
  constexpr std::string_view k_digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t index = 0; index < size; ++index) {
    hex.push_back(k_digits[bytes[index] >> 4U]);
    hex.push_back(k_digits[bytes[index] & 0xfU]);
  }
  return hex;
}

std::optional<std::vector<unsigned char>>
from_hex(std::string_view hex)
{
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  std::vector<unsigned char> bytes(hex.size() / 2);
  for (std::size_t index = 0; index < bytes.size(); ++index) {
    const auto* begin = hex.data() + (index * 2);
    if (std::from_chars(begin, begin + 2, bytes[index], 16).ptr != begin + 2) {
      return std::nullopt;
    }
  }
  return bytes;
}

std::array<unsigned char, k_hash_bytes>
derive(std::string_view password, const std::vector<unsigned char>& salt, std::uint32_t iterations)
{
  std::array<unsigned char, k_hash_bytes> hash{};
  if (PKCS5_PBKDF2_HMAC(password.data(),
                        static_cast<int>(password.size()),
                        salt.data(),
                        static_cast<int>(salt.size()),
                        static_cast<int>(iterations),
                        EVP_sha256(),
                        static_cast<int>(hash.size()),
                        hash.data()) != 1) {
    throw std::runtime_error("PBKDF2 failed"); // only on allocation failure
  }
  return hash;
}

// The next '$'-separated part of `rest`, removed from it.
std::string_view
next_part(std::string_view& rest)
{
  const auto end = rest.find('$');
  const auto part = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  return part;
}

} // namespace

std::string
hash_password(std::string_view password, std::uint32_t iterations)
{
  std::vector<unsigned char> salt(k_salt_bytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("the system's random source failed");
  }
  const auto hash = derive(password, salt, iterations);
  return std::string(k_scheme) + "$" + std::to_string(iterations) + "$" +
         to_hex(salt.data(), salt.size()) + "$" + to_hex(hash.data(), hash.size());
}

bool
verify_password(std::string_view password, std::string_view stored)
{
  std::string_view rest = stored;
  if (next_part(rest) != k_scheme) {
    return false;
  }
  const auto count = next_part(rest);
  std::uint32_t iterations = 0;
  if (std::from_chars(count.data(), count.data() + count.size(), iterations).ptr !=
        count.data() + count.size() ||
      iterations == 0 || iterations > k_max_iterations) {
    return false;
  }
  const auto salt = from_hex(next_part(rest));
  const auto expected = from_hex(next_part(rest));
  if (!salt || !expected || expected->size() != k_hash_bytes) {
    return false;
  }
  const auto hash = derive(password, *salt, iterations);
  return CRYPTO_memcmp(hash.data(), expected->data(), hash.size()) == 0;
}

std::string
new_token()
{
  return random_hex(k_hash_bytes);
}

std::string
token_hash(std::string_view token)
{
  return sha256_hex(token);
}

bool
verify_token(std::string_view token, std::string_view stored)
{
  const auto hash = token_hash(token);
  return !stored.empty() && hash.size() == stored.size() &&
         CRYPTO_memcmp(hash.data(), stored.data(), hash.size()) == 0;
}

} // namespace reactor::util
