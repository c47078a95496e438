#pragma once

#include <cstddef>
#include <string>

namespace reactor::util {

// `length` characters of [a-z0-9] from a cryptographic source (deployment ids).
std::string random_id(std::size_t length);

// `bytes` random bytes from a cryptographic source.
std::string random_bytes(std::size_t bytes);

// `bytes` random bytes from a cryptographic source, as lowercase hex.
std::string random_hex(std::size_t bytes);

} // namespace reactor::util
