#include "reactor/edge/site_path.hpp"

#include "reactor/util/text.hpp"

namespace reactor::edge {

namespace {

constexpr std::size_t k_max_path = 2048;

int
hex_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::optional<std::string>
percent_decode(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

} // namespace

std::optional<std::string>
normalize_site_path(std::string_view path)
{
  if (path.size() > k_max_path || !path.starts_with('/')) {
    return std::nullopt;
  }
  auto decoded = percent_decode(path);
  if (!decoded || decoded->find('\0') != std::string::npos ||
      decoded->find('\\') != std::string::npos) {
    return std::nullopt;
  }
  std::string normalized;
  std::string_view rest = *decoded;
  const bool trailing_slash = rest.size() > 1 && rest.ends_with('/');
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") {
      continue;
    }
    if (segment == "..") {
      return std::nullopt;
    }
    if (!normalized.empty()) {
      normalized.push_back('/');
    }
    normalized.append(segment);
  }
  if (trailing_slash && !normalized.empty()) {
    normalized.push_back('/');
  }
  return normalized;
}

bool
is_asset_request(std::string_view path, std::string_view accept)
{
  const auto slash = path.rfind('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) {
    return false;
  }
  const auto extension = name.substr(dot + 1);
  if (util::equals_ignoring_case(extension, "html") ||
      util::equals_ignoring_case(extension, "htm")) {
    return false;
  }
  return accept.find("text/html") == std::string_view::npos;
}

} // namespace reactor::edge
