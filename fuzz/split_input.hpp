#pragma once

#include <string_view>
#include <utility>

namespace reactor::fuzz {

// The first line of `input` (without its "\n") and the rest, for targets that take a
// request path or a setting besides a file.
inline std::pair<std::string_view, std::string_view>
split_first_line(std::string_view input)
{
  const auto end = input.find('\n');
  if (end == std::string_view::npos) {
    return { input, {} };
  }
  return { input.substr(0, end), input.substr(end + 1) };
}

} // namespace reactor::fuzz
