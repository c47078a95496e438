#include "reactor/edge/edge.hpp"

#include "reactor/core/deployment.hpp"
#include "reactor/edge/site_path.hpp"

#include <algorithm>
#include <cctype>

namespace reactor::edge {

namespace {

constexpr std::string_view k_immutable = "public, max-age=31536000, immutable";
constexpr std::string_view k_revalidate = "public, max-age=0, must-revalidate";

struct Resolved
{
  const std::string* path = nullptr;
  const objects::ManifestEntry* entry = nullptr;
  unsigned status = 200;
};

const objects::ManifestEntry*
find_file(const objects::Manifest& manifest, const std::string& path, const std::string** key)
{
  const auto found = manifest.files.find(path);
  if (found == manifest.files.end()) {
    return nullptr;
  }
  *key = &found->first;
  return &found->second;
}

bool
has_extension(std::string_view path)
{
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return name.find('.') != std::string_view::npos;
}

// The file for a normalised path: exact, then .html and /index.html, then the site's
// 404.html or, for a site without one, index.html for page navigations (SPA routing).
Resolved
resolve(const objects::Manifest& manifest, const std::string& path, std::string_view accept)
{
  Resolved resolved;
  const std::vector<std::string> candidates =
    path.empty() || path.ends_with('/')
      ? std::vector<std::string>{ path + "index.html" }
      : std::vector<std::string>{ path, path + ".html", path + "/index.html" };
  for (const auto& candidate : candidates) {
    if ((resolved.entry = find_file(manifest, candidate, &resolved.path))) {
      return resolved;
    }
  }
  if ((resolved.entry = find_file(manifest, "404.html", &resolved.path))) {
    resolved.status = 404;
    return resolved;
  }
  const bool navigation =
    !has_extension(path) || accept.find("text/html") != std::string_view::npos;
  if (navigation && (resolved.entry = find_file(manifest, "index.html", &resolved.path))) {
    return resolved;
  }
  return {};
}

net::Response
text_page(unsigned status, std::string_view content_type, std::string body)
{
  net::Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", content_type);
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.body = std::move(body);
  return response;
}

net::Response
unknown_site_page(std::string_view label)
{
  std::string safe;
  for (char c : label.substr(0, 64)) {
    safe.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_');
  }
  return text_page(404,
                   "text/html; charset=utf-8",
                   "<!doctype html><meta charset=utf-8><title>No deployment here</title>"
                   "<h1>No deployment here</h1><p>There is no deployed site named <code>" +
                     safe +
                     "</code>. It may not exist, or its build may still be running or "
                     "have failed: check its status in Reactor.</p>\n");
}

bool
etag_matches(std::string_view if_none_match, std::string_view etag)
{
  return if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos;
}

} // namespace

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

Edge::Edge(SiteCache& sites)
  : m_sites(sites)
{
}

std::optional<net::Response>
Edge::serve_from_memory(const net::Request& request, std::string_view label)
{
  return respond(request, label, false);
}

net::Response
Edge::serve(const net::Request& request, std::string_view label)
{
  return *respond(request, label, true);
}

std::optional<net::Response>
Edge::respond(const net::Request& request, std::string_view label, bool may_block)
{
  if (!core::is_deployment_id(label)) {
    return unknown_site_page(label);
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto response = text_page(405, "text/plain; charset=utf-8", "Only GET and HEAD are allowed\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  const auto path = normalize_site_path(request.path());
  if (!path) {
    return text_page(400, "text/plain; charset=utf-8", "Bad request path\n");
  }

  std::shared_ptr<const Site> site = m_sites.cached_site(label);
  if (!site && !may_block) {
    return std::nullopt;
  }
  if (!site) {
    auto loaded = m_sites.load_site(label);
    if (!loaded) {
      return text_page(503, "text/plain; charset=utf-8", "The site cannot be read right now\n");
    }
    site = *loaded;
  }
  if (!site) {
    return unknown_site_page(label);
  }

  const Resolved resolved = resolve(site->manifest, *path, request.header("accept"));
  if (resolved.entry == nullptr) {
    return text_page(404, "text/plain; charset=utf-8", "Not found\n");
  }
  net::Response response;
  response.status = resolved.status;
  const std::string etag = "\"" + resolved.entry->hash + "\"";
  response.headers.emplace_back("Content-Type", resolved.entry->content_type);
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control",
                                is_hashed_asset(*resolved.path) ? k_immutable : k_revalidate);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (resolved.status == 200 && etag_matches(request.header("if-none-match"), etag)) {
    response.status = 304;
    return response;
  }

  std::shared_ptr<const std::string> blob = m_sites.cached_blob(resolved.entry->hash);
  if (!blob && !may_block) {
    return std::nullopt;
  }
  if (!blob) {
    auto loaded = m_sites.load_blob(resolved.entry->hash);
    if (!loaded) {
      return text_page(503, "text/plain; charset=utf-8", "The file cannot be read right now\n");
    }
    blob = *loaded;
  }
  response.shared_body = std::move(blob);
  return response;
}

} // namespace reactor::edge
