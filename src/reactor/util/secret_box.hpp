#pragma once

#include "reactor/util/error.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace reactor::util {

constexpr std::size_t k_secret_key_bytes = 32;

// The key that seals secrets at rest (AES-256-GCM).
using SecretKey = std::array<unsigned char, k_secret_key_bytes>;

// `plaintext` encrypted and authenticated with AES-256-GCM under a random 96-bit nonce, as
// text to store: "v1:" and base64 of nonce, ciphertext and tag. `associated` is
// authenticated but not stored: opening needs the same bytes, so a sealed value cannot be
// moved to another place (another variable) and read there.
std::string seal(const SecretKey& key, std::string_view plaintext, std::string_view associated);

// The plaintext of a seal() result; fails when it is malformed, was changed, or was sealed
// under another key or other associated data.
Result<std::string> open_sealed(const SecretKey& key,
                                std::string_view sealed,
                                std::string_view associated);

} // namespace reactor::util
