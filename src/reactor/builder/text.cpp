#include "reactor/util/text.hpp"

#include "reactor/builder/text.hpp"

namespace reactor::builder {

namespace {

constexpr std::string_view k_replacement = "\xEF\xBF\xBD";

// Length of the ANSI escape sequence (colors, cursor moves) at the start of bytes.
std::size_t
skip_escape(std::string_view bytes)
{
  if (bytes.size() < 2 || bytes[1] != '[') {
    return 1;
  }
  for (std::size_t i = 2; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x40 && c <= 0x7E) {
      return i + 1;
    }
    if (c < 0x20 || c > 0x7E) {
      return i;
    }
  }
  return bytes.size();
}

} // namespace

std::string
sanitize_line(std::string_view bytes)
{
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    const auto length = util::utf8_sequence_length(bytes);
    const auto lead = static_cast<unsigned char>(bytes.front());
    if (length == 0 || (length == 1 && ((lead < 0x20 && lead != '\t') || lead == 0x7F))) {
      if (lead == 0x1B) {
        bytes.remove_prefix(skip_escape(bytes));
        continue;
      }
      out += k_replacement;
      bytes.remove_prefix(1);
      continue;
    }
    out.append(bytes.substr(0, length));
    bytes.remove_prefix(length);
  }
  return out;
}

} // namespace reactor::builder
