#include "reactor/edge/prepared_file.hpp"

#include <algorithm>
#include <cctype>

namespace reactor::edge {

namespace {

constexpr std::string_view k_immutable = "public, max-age=31536000, immutable";
constexpr std::string_view k_revalidate = "public, max-age=0, must-revalidate";

std::string
render_head(unsigned status,
            const objects::ManifestEntry& entry,
            const PreparedFile& file,
            const PreparedVariant& variant,
            net::Encoding encoding,
            std::size_t length,
            bool not_modified)
{
  std::string head = not_modified    ? "HTTP/1.1 304 Not Modified\r\n"
                     : status == 404 ? "HTTP/1.1 404 Not Found\r\n"
                                     : "HTTP/1.1 200 OK\r\n";
  if (!not_modified) {
    head += "Content-Length: " + std::to_string(length) + "\r\n";
    head += "Content-Type: " + entry.content_type + "\r\n";
  }
  if (encoding != net::Encoding::identity && !not_modified) {
    head +=
      encoding == net::Encoding::gzip ? "Content-Encoding: gzip\r\n" : "Content-Encoding: br\r\n";
  }
  head += "ETag: " + variant.etag + "\r\n";
  head += "Last-Modified: " + file.last_modified + "\r\n";
  head += "Cache-Control: " + file.cache_control + "\r\n";
  if (!entry.gzip.hash.empty() || !entry.br.hash.empty()) {
    head += "Vary: Accept-Encoding\r\n";
  }
  head += "Accept-Ranges: bytes\r\nX-Content-Type-Options: nosniff\r\n";
  return head;
}

} // namespace

PreparedFile
prepare_file(const objects::ManifestEntry& entry,
             std::string_view path,
             unsigned status,
             std::string_view last_modified,
             VariantBodies bodies)
{
  PreparedFile file;
  file.cache_control = status == 200 && is_hashed_asset(path) ? k_immutable : k_revalidate;
  file.last_modified = std::string(last_modified);
  const std::array<std::pair<const objects::BlobRef*, std::shared_ptr<const std::string>*>, 3>
    sources{
      { { nullptr, &bodies.identity }, { &entry.gzip, &bodies.gzip }, { &entry.br, &bodies.br } }
    };
  for (std::size_t i = 0; i < sources.size(); ++i) {
    auto& [blob, body] = sources[i];
    PreparedVariant& variant = file.variants[i];
    variant.body = std::move(*body);
    if (i == 0) {
      variant.file = std::move(bodies.identity_file);
    }
    if (!variant.exists()) {
      continue;
    }
    const auto encoding = static_cast<net::Encoding>(i);
    variant.etag = "\"" + (blob == nullptr ? entry.hash : blob->hash) + "\"";
    variant.head = std::make_shared<const std::string>(
      render_head(status, entry, file, variant, encoding, variant.size(), false));
    variant.not_modified_head = std::make_shared<const std::string>(
      render_head(status, entry, file, variant, encoding, 0, true));
  }
  return file;
}

bool
is_hashed_asset(std::string_view path)
{
  const auto slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto last_dot = name.rfind('.');
  if (last_dot == std::string_view::npos) {
    return false;
  }
  name = name.substr(0, last_dot);
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto end = name.find_first_of(".-", start);
    const std::string_view token =
      name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const bool word_chars = std::ranges::all_of(
      token, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    const bool digit = std::ranges::any_of(
      token, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    const bool inner_upper = token.size() > 1 && std::ranges::any_of(token.substr(1), [](char c) {
                               return std::isupper(static_cast<unsigned char>(c));
                             });
    if (start > 0 && token.size() >= 8 && token.size() <= 64 && word_chars &&
        (digit || inner_upper)) {
      return true;
    }
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return false;
}

} // namespace reactor::edge
