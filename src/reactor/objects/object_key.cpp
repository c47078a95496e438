#include "reactor/objects/object_key.hpp"

namespace reactor::objects {

bool
is_valid_key(std::string_view key)
{
  if (key.empty() || key.front() == '/' || key.back() == '/') {
    return false;
  }
  std::size_t start = 0;
  while (start <= key.size()) {
    const auto slash = key.find('/', start);
    const auto part = key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
    if (part.empty() || part == "." || part == ".." || part.find('\0') != part.npos) {
      return false;
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return true;
}

} // namespace reactor::objects
