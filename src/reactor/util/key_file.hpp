#pragma once

#include "reactor/util/error.hpp"
#include "reactor/util/secret_box.hpp"

#include <filesystem>

namespace reactor::util {

// The secrets key in `path`: 32 bytes, readable by its owner only. A missing file is
// created with 32 random bytes (mode 0600, written to a temporary file and renamed into
// place without replacing one another process made meanwhile). Fails, saying what to fix,
// when the file cannot be read, is not 32 bytes, or grants group or others any access.
Result<SecretKey> load_or_create_secret_key(const std::filesystem::path& path);

} // namespace reactor::util
