#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reactor::rules {

// What the parsers of _redirects and _headers share.

// Blanks between and around the fields of a rule line.
constexpr std::string_view k_whitespace = " \t\r\v\f";

// The lines of a rule file (a leading UTF-8 BOM dropped, "\n" or "\r\n" endings); line
// number i + 1 is element i.
std::vector<std::string_view> rule_file_lines(std::string_view text);

// True for ASCII control characters (below 0x20, and DEL).
bool is_control(char c);

// `text` in double quotes for a build log: control characters shown as "?", cut to 100
// characters.
std::string quote_excerpt(std::string_view text);

} // namespace reactor::rules
