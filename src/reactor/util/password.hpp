#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace reactor::util {

// PBKDF2-HMAC-SHA256 iterations of a new hash (OWASP's 2023 advice).
constexpr std::uint32_t k_password_iterations = 600'000;

// A salted hash of `password` to store: "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>",
// with 16 random bytes of salt.
std::string hash_password(std::string_view password,
                          std::uint32_t iterations = k_password_iterations);

// True when `password` matches `stored` (a hash_password result), compared in constant
// time; false for a malformed `stored` too.
bool verify_password(std::string_view password, std::string_view stored);

// A new secret token: 256 random bits as 64 hex digits.
std::string new_token();

// What is stored of a token: its SHA-256 in hex (a 256-bit random token needs no salt).
std::string token_hash(std::string_view token);

// True when `token`'s hash is `stored`, compared in constant time.
bool verify_token(std::string_view token, std::string_view stored);

} // namespace reactor::util
