#pragma once

#include "reactor/util/error.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

namespace reactor::util {

// "500ms", "20s", "15m", "2h", "14d" (a bare number is seconds).
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// "4096", "512K", "512M", "4G" (powers of 1024; a bare number is bytes).
Result<std::uint64_t> parse_size(std::string_view text);

} // namespace reactor::util
