#pragma once

#include "reactor/util/error.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace reactor::util {

// "500ms", "20s", "15m", "2h", "14d" (a bare number is seconds).
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// "4096", "512K", "512M", "4G" (powers of 1024; a bare number is bytes).
Result<std::uint64_t> parse_size(std::string_view text);

// "4 GiB", "1.5 GiB", "512 MiB", "300 KiB", "12 bytes".
std::string format_size(std::uint64_t bytes);

// "15 minutes", "1 minute", "90 seconds", "500 ms".
std::string format_duration(std::chrono::milliseconds duration);

// An elapsed time to a tenth of a second, rounded down: "0.0 s", "12.3 s".
std::string format_seconds(std::chrono::milliseconds elapsed);

} // namespace reactor::util
