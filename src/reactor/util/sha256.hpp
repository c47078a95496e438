#pragma once

#include "reactor/util/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace reactor::util {

// Lowercase hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);

// Lowercase hex SHA-256 of a file's content, read in chunks; the error says why the file
// could not be read.
Result<std::string> sha256_file_hex(const std::filesystem::path& file);

// Lowercase hex SHA-256 of an open file's content, read from offset 0 with pread (the
// descriptor's offset is left alone); the error says why it could not be read.
Result<std::string> sha256_descriptor_hex(int fd);

} // namespace reactor::util
