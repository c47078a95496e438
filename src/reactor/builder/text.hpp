#pragma once

#include <string>
#include <string_view>

namespace reactor::builder {

// The bytes without ANSI escape sequences, and with every ill-formed UTF-8 sequence and
// every other control character but tab replaced by U+FFFD: safe to store and show.
std::string sanitize_line(std::string_view bytes);

} // namespace reactor::builder
