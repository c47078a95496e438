#include "reactor/util/random.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>
#include <string_view>

namespace reactor::util {

namespace {

void
fill_random(unsigned char* data, std::size_t size)
{
  if (RAND_bytes(data, static_cast<int>(size)) != 1) {
    throw std::runtime_error("the system's random source failed");
  }
}

} // namespace

std::string
random_id(std::size_t length)
{
  constexpr std::string_view k_alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps every
  // character equally likely.
  constexpr unsigned k_limit = 252;
  std::string id;
  id.reserve(length);
  std::array<unsigned char, 32> pool{};
  while (id.size() < length) {
    fill_random(pool.data(), pool.size());
    for (unsigned char byte : pool) {
      if (byte < k_limit && id.size() < length) {
        id.push_back(k_alphabet[byte % k_alphabet.size()]);
      }
    }
  }
  return id;
}

std::string
random_bytes(std::size_t bytes)
{
  std::string raw(bytes, '\0');
  fill_random(reinterpret_cast<unsigned char*>(raw.data()), raw.size());
  return raw;
}

std::string
random_hex(std::size_t bytes)
{
  constexpr std::string_view k_digits = "0123456789abcdef";
  const std::string raw = random_bytes(bytes);
  std::string hex;
  hex.reserve(bytes * 2);
  for (unsigned char byte : raw) {
    hex.push_back(k_digits[byte >> 4]);
    hex.push_back(k_digits[byte & 0x0f]);
  }
  return hex;
}

} // namespace reactor::util
