#include "reactor/core/content_type.hpp"

#include "reactor/util/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace reactor::core {

namespace {

constexpr std::string_view k_default = "application/octet-stream";

constexpr std::array<std::pair<std::string_view, std::string_view>, 28> k_types{ {
  { "html", "text/html; charset=utf-8" },
  { "htm", "text/html; charset=utf-8" },
  { "js", "text/javascript; charset=utf-8" },
  { "mjs", "text/javascript; charset=utf-8" },
  { "css", "text/css; charset=utf-8" },
  { "json", "application/json" },
  { "map", "application/json" },
  { "svg", "image/svg+xml" },
  { "png", "image/png" },
  { "jpg", "image/jpeg" },
  { "jpeg", "image/jpeg" },
  { "gif", "image/gif" },
  { "webp", "image/webp" },
  { "avif", "image/avif" },
  { "ico", "image/x-icon" },
  { "woff", "font/woff" },
  { "woff2", "font/woff2" },
  { "ttf", "font/ttf" },
  { "otf", "font/otf" },
  { "txt", "text/plain; charset=utf-8" },
  { "xml", "application/xml" },
  { "webmanifest", "application/manifest+json" },
  { "wasm", "application/wasm" },
  { "pdf", "application/pdf" },
  { "mp4", "video/mp4" },
  { "webm", "video/webm" },
  { "mp3", "audio/mpeg" },
  { "csv", "text/csv; charset=utf-8" },
} };

} // namespace

std::string_view
content_type_for(std::string_view path)
{
  const auto slash = path.find_last_of('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.find_last_of('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) {
    return k_default;
  }
  const auto ext = name.substr(dot + 1);
  if (ext.size() > 16) {
    return k_default;
  }
  const std::string lower = util::ascii_lowercase(ext);
  const auto it = std::ranges::find(
    k_types, std::string_view(lower), &std::pair<std::string_view, std::string_view>::first);
  return it == k_types.end() ? k_default : it->second;
}

} // namespace reactor::core
