#include "reactor/edge/site_path.hpp"

#include "reactor/util/text.hpp"

namespace reactor::edge {

namespace {

constexpr std::size_t k_max_path = 2048;

} // namespace

std::optional<std::string>
normalize_site_path(std::string_view path)
{
  if (path.size() > k_max_path || !path.starts_with('/')) {
    return std::nullopt;
  }
  auto decoded = util::percent_decode(path);
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
