#include "reactor/rules/rule_file.hpp"

#include <algorithm>

namespace reactor::rules {

namespace {

constexpr std::size_t k_max_excerpt = 100;

} // namespace

std::vector<std::string_view>
rule_file_lines(std::string_view text)
{
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return lines;
}

bool
is_control(char c)
{
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

std::string
quote_excerpt(std::string_view text)
{
  std::string out = "\"";
  for (char c : text.substr(0, k_max_excerpt)) {
    out.push_back(is_control(c) ? '?' : c);
  }
  out += text.size() > k_max_excerpt ? "…\"" : "\"";
  return out;
}

} // namespace reactor::rules
