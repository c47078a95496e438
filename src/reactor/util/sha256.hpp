#pragma once

#include "reactor/util/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace reactor::util {

// SHA-256 of the bytes: the 32 raw bytes.
std::string sha256(std::string_view bytes);

// Lowercase hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);

// HMAC-SHA256 of `message` under `key`: the 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

// The bytes as lowercase hex.
std::string to_hex(std::string_view bytes);

// True when both are the same bytes; the time taken depends on their lengths only, not on
// where they differ (for comparing a secret or a signature an attacker sends).
bool equal_in_constant_time(std::string_view a, std::string_view b);

// Lowercase hex SHA-256 of a file's content, read in chunks; the error says why the file
// could not be read.
Result<std::string> sha256_file_hex(const std::filesystem::path& file);

// Lowercase hex SHA-256 of an open file's content, read from offset 0 with pread (the
// descriptor's offset is left alone); the error says why it could not be read.
Result<std::string> sha256_descriptor_hex(int fd);

} // namespace reactor::util
