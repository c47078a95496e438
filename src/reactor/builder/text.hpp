#pragma once

#include <string>
#include <string_view>

namespace reactor::builder {

// True when the bytes are well-formed UTF-8.
bool is_valid_utf8(std::string_view bytes);

// The bytes without ANSI escape sequences, and with every ill-formed UTF-8 sequence and
// every other control character but tab replaced by U+FFFD: safe to store and show.
std::string sanitize_line(std::string_view bytes);

} // namespace reactor::builder
