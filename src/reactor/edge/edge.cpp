#include "reactor/edge/edge.hpp"

#include "reactor/core/deployment.hpp"
#include "reactor/edge/header_rules.hpp"
#include "reactor/edge/redirect_rules.hpp"
#include "reactor/edge/site_path.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/text.hpp"

#include <algorithm>
#include <cctype>

namespace reactor::edge {

namespace {

using Resolved = ResolvedPath;

bool
find_file(const objects::Manifest& manifest, std::string_view path, Resolved& resolved)
{
  // The rule files configure the site; they are not part of it.
  if (path == "_redirects" || path == "_headers") {
    return false;
  }
  const auto found = manifest.files.find(path);
  if (found == manifest.files.end()) {
    return false;
  }
  resolved.path = found->first;
  resolved.entry = &found->second;
  return true;
}

// The file for a normalised path: exact, then .html and /index.html, then the site's
// 404.html or, for a site without one, index.html for anything but an asset (SPA
// routing): a missing asset is never HTML.
Resolved
resolve(const objects::Manifest& manifest, std::string_view path, std::string_view accept)
{
  Resolved resolved;
  if (path.empty() || path.ends_with('/')) {
    if (find_file(manifest, std::string(path) + "index.html", resolved)) {
      return resolved;
    }
  } else if (find_file(manifest, path, resolved) ||
             find_file(manifest, std::string(path) + ".html", resolved) ||
             find_file(manifest, std::string(path) + "/index.html", resolved)) {
    return resolved;
  }
  if (find_file(manifest, "404.html", resolved)) {
    resolved.status = 404;
    return resolved;
  }
  if (!is_asset_request(path, accept) && find_file(manifest, "index.html", resolved)) {
    return resolved;
  }
  return {};
}

// The path as the manifest names it; the common case (nothing to decode or fold) is a
// view of the request, so it costs no allocation.
std::optional<std::string_view>
site_path(std::string_view request_path, std::string& storage)
{
  const bool plain = request_path.starts_with('/') && request_path.size() < 2048 &&
                     request_path.find_first_of("%\\") == std::string_view::npos &&
                     request_path.find("//") == std::string_view::npos &&
                     request_path.find("/.") == std::string_view::npos;
  if (plain) {
    return request_path.substr(1);
  }
  auto normalized = normalize_site_path(request_path);
  if (!normalized) {
    return std::nullopt;
  }
  storage = std::move(*normalized);
  return storage;
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
not_modified_since(std::string_view if_modified_since, std::string_view last_modified)
{
  if (if_modified_since.empty()) {
    return false; // the common case, and date parsing (strptime) is not cheap
  }
  const auto since = net::parse_http_date(if_modified_since);
  const auto modified = net::parse_http_date(last_modified);
  return since && modified && *modified <= *since;
}

net::Response
range_response(const PreparedFile& file,
               const PreparedVariant& variant,
               const net::ByteRange& range)
{
  net::Response response;
  response.status = 206;
  const std::uint64_t size = variant.size();
  response.headers = { { "Content-Range",
                         "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) +
                           "/" + std::to_string(size) },
                       { "ETag", variant.etag },
                       { "Last-Modified", file.last_modified },
                       { "Cache-Control", file.cache_control },
                       { "Accept-Ranges", "bytes" },
                       { "X-Content-Type-Options", "nosniff" } };
  // Sent from the cached body or the file like a whole one, never copied per request.
  response.shared_body = variant.body;
  response.file_body = variant.file;
  response.slice = net::BodySlice{ range.first, range.last - range.first + 1 };
  return response;
}

net::Response
redirect_response(const RedirectMatch& match, std::string_view target)
{
  net::Response response;
  response.status = match.status;
  std::string location = match.target;
  if (const auto query = target.find('?'); query != std::string_view::npos) {
    location += target.substr(query);
  }
  response.headers = { { "Location", std::move(location) },
                       { "Cache-Control", "no-store" },
                       { "Content-Type", "text/plain; charset=utf-8" } };
  response.body = "Redirecting\n";
  return response;
}

// Applies the site's _headers rules to a response: detached and replaced headers go,
// the rules' values come in. A prepared head is copied, so only such sites pay for it.
void
apply_header_changes(net::Response& response, const HeaderChanges& changes)
{
  if (changes.set.empty() && changes.detach.empty()) {
    return;
  }
  std::string head;
  std::string_view rest;
  if (response.prepared_head) {
    rest = *response.prepared_head;
    const auto status_end = rest.find("\r\n") + 2;
    head = std::string(rest.substr(0, status_end));
    rest.remove_prefix(status_end);
  }
  const auto removed = [&](std::string_view name) {
    const auto named = [&](const std::string& other) {
      return util::equals_ignoring_case(name, other);
    };
    return std::ranges::any_of(changes.detach, named) ||
           std::ranges::any_of(changes.set, [&](const auto& item) { return named(item.first); });
  };
  std::erase_if(response.headers, [&](const auto& header) { return removed(header.first); });
  while (!rest.empty()) {
    const auto end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (!removed(line.substr(0, line.find(':')))) {
      head.append(line).append("\r\n");
    }
  }
  for (const auto& [name, value] : changes.set) {
    if (response.prepared_head) {
      head.append(name).append(": ").append(value).append("\r\n");
    } else {
      response.headers.emplace_back(name, value);
    }
  }
  if (response.prepared_head) {
    response.prepared_head = std::make_shared<const std::string>(std::move(head));
  }
}

} // namespace

Edge::Edge(SiteCache& sites, AliasTable& aliases, ProtectionTable& protection, SkewTable& skew)
  : m_sites(sites)
  , m_aliases(aliases)
  , m_protection(protection)
  , m_skew(skew)
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
  // respond() answers nullopt only when it may not block.
  return *respond(request, label, true); // NOLINT(bugprone-unchecked-optional-access)
}

std::optional<net::Response>
Edge::respond(const net::Request& request, std::string_view label, bool may_block)
{
  if (core::is_deployment_id(label)) {
    return respond_from_site(request, label, label, false, may_block);
  }
  auto target = m_aliases.cached(label);
  if (!target && !may_block) {
    return std::nullopt;
  }
  if (!target) {
    auto loaded = m_aliases.load(label);
    if (!loaded) {
      util::log::error("edge.alias_unreadable",
                       { { "label", label }, { "error", loaded.error().message } });
      return text_page(503, "text/plain; charset=utf-8", "The site cannot be read right now\n");
    }
    target = std::move(*loaded);
  }
  if (target->empty()) {
    return unknown_site_page(label);
  }
  auto response = respond_from_site(request, *target, label, true, may_block);
  // Previews stay out of search engines; production is the address to index.
  if (response && !is_production_label(label)) {
    apply_header_changes(*response, HeaderChanges{ .set = { { "X-Robots-Tag", "noindex" } } });
  }
  return response;
}

std::optional<net::Response>
Edge::respond_from_site(const net::Request& request,
                        std::string_view id,
                        std::string_view label,
                        bool alias,
                        bool may_block)
{
  if (request.method != "GET" && request.method != "HEAD") {
    auto response = text_page(405, "text/plain; charset=utf-8", "Only GET and HEAD are allowed\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  std::string path_storage;
  const auto path = site_path(request.path(), path_storage);
  if (!path) {
    return text_page(400, "text/plain; charset=utf-8", "Bad request path\n");
  }

  std::shared_ptr<const Site> site = m_sites.cached_site(id);
  if (!site && !may_block) {
    return std::nullopt;
  }
  if (!site) {
    auto loaded = m_sites.load_site(id);
    if (!loaded && loaded.error().corrupt) {
      // Logged where it was found; never a body short of its Content-Length.
      return text_page(502, "text/plain; charset=utf-8", "The file is damaged on the server\n");
    }
    if (!loaded) {
      util::log::error("edge.site_unreadable",
                       { { "id", id }, { "error", loaded.error().message } });
      return text_page(503, "text/plain; charset=utf-8", "The site cannot be read right now\n");
    }
    site = *loaded;
  }
  if (!site) {
    return unknown_site_page(id);
  }
  // Protection before anything the site's rules or files could tell.
  bool blocked = false;
  if (auto refused = guard(request, *site, label, may_block, blocked); refused || blocked) {
    return refused;
  }

  if (auto moved = trailing_slash_redirect(site->rules.trailing_slash, request.path(), *path)) {
    return redirect_response(*moved, request.target);
  }
  // _redirects first: a 3xx answers at once, a 200 rewrites the path (once, no chains).
  std::string rewritten;
  std::string_view lookup = *path;
  if (!site->rules.redirects.rules.empty()) {
    if (auto match = match_redirect(site->rules.redirects, "/" + std::string(*path))) {
      if (match->status != 200) {
        return redirect_response(*match, request.target);
      }
      if (auto target = normalize_site_path(match->target)) {
        rewritten = std::move(*target);
        lookup = rewritten;
      }
    }
  }
  const std::string_view accept = request.header("accept");
  const Resolved resolved = resolve(site->manifest, lookup, accept);
  if (alias && (resolved.entry == nullptr || resolved.status == 404) &&
      is_asset_request(lookup, accept)) {
    if (!may_block) {
      return std::nullopt;
    }
    if (auto earlier = respond_from_earlier(request, label, lookup)) {
      return earlier;
    }
  }
  auto response = respond_with_file(request, *site, resolved, may_block);
  if (response && !site->rules.headers.rules.empty()) {
    apply_header_changes(*response, headers_for(site->rules.headers, "/" + std::string(*path)));
  }
  return response;
}

std::optional<net::Response>
Edge::guard(const net::Request& request,
            const Site& site,
            std::string_view label,
            bool may_block,
            bool& blocked)
{
  if (site.project.empty()) {
    return std::nullopt;
  }
  auto access = m_protection.cached(site.project);
  if (!access && !may_block) {
    blocked = true;
    return std::nullopt;
  }
  if (!access) {
    auto loaded = m_protection.load(site.project);
    if (!loaded) {
      util::log::error("edge.project_unreadable",
                       { { "project", site.project }, { "error", loaded.error().message } });
      return text_page(503, "text/plain; charset=utf-8", "The site cannot be read right now\n");
    }
    access = std::move(*loaded);
  }
  if (!access->protects(label)) {
    return std::nullopt;
  }
  const auto admitted = access->admits(request, may_block);
  if (!admitted) {
    blocked = true;
    return std::nullopt;
  }
  if (*admitted) {
    return std::nullopt;
  }
  return unauthorized(site.project);
}

std::optional<net::Response>
Edge::respond_from_earlier(const net::Request& request,
                           std::string_view label,
                           std::string_view path)
{
  auto earlier = m_skew.earlier(label);
  if (!earlier) {
    util::log::error("edge.alias_history_unreadable",
                     { { "label", label }, { "error", earlier.error().message } });
    return std::nullopt; // the current deployment answers: a 404
  }
  for (const auto& id : **earlier) {
    auto loaded = m_sites.load_site(id);
    if (!loaded || !*loaded) {
      continue; // deleted, or unreadable now: the next one may have the file
    }
    const Site& site = **loaded;
    Resolved found;
    if (!find_file(site.manifest, path, found)) {
      continue;
    }
    auto response = respond_with_file(request, site, found, true);
    if (!response) {
      continue;
    }
    if (!site.rules.headers.rules.empty()) {
      apply_header_changes(*response, headers_for(site.rules.headers, "/" + std::string(path)));
    }
    apply_header_changes(*response, HeaderChanges{ .set = { { "X-Reactor-Skew", id } } });
    return response;
  }
  return std::nullopt;
}

std::optional<net::Response>
Edge::respond_with_file(const net::Request& request,
                        const Site& site,
                        const Resolved& resolved,
                        bool may_block)
{
  if (resolved.entry == nullptr) {
    return text_page(404, "text/plain; charset=utf-8", "Not found\n");
  }
  std::shared_ptr<const PreparedFile> file = m_sites.cached_file(*resolved.entry, resolved.status);
  if (!file && !may_block) {
    return std::nullopt;
  }
  if (!file) {
    auto loaded = m_sites.load_file(site, resolved.path, *resolved.entry, resolved.status);
    if (!loaded && loaded.error().corrupt) {
      // Logged where it was found; never a body short of its Content-Length.
      return text_page(502, "text/plain; charset=utf-8", "The file is damaged on the server\n");
    }
    if (!loaded) {
      util::log::error("edge.file_unreadable",
                       { { "path", resolved.path }, { "error", loaded.error().message } });
      return text_page(503, "text/plain; charset=utf-8", "The file cannot be read right now\n");
    }
    file = *loaded;
  }

  // A byte range is of the identity representation.
  const std::string_view range_header = resolved.status == 200 ? request.header("range") : "";
  const net::Encoding encoding = range_header.empty()
                                   ? net::choose_encoding(request.header("accept-encoding"),
                                                          !resolved.entry->gzip.hash.empty(),
                                                          !resolved.entry->br.hash.empty())
                                   : net::Encoding::identity;
  const PreparedVariant& variant = file->variant(encoding);

  net::Response response;
  response.status = resolved.status;
  if (resolved.status == 200) {
    const std::string_view if_none_match = request.header("if-none-match");
    if (if_none_match.empty()
          ? not_modified_since(request.header("if-modified-since"), file->last_modified)
          : net::etag_matches(if_none_match, variant.etag)) {
      response.status = 304;
      response.prepared_head = variant.not_modified_head;
      return response;
    }
  }
  if (!range_header.empty()) {
    bool unsatisfiable = false;
    const auto range = net::parse_range(range_header, variant.size(), unsatisfiable);
    if (unsatisfiable) {
      auto refused = text_page(416, "text/plain; charset=utf-8", "Range not satisfiable\n");
      refused.headers.emplace_back("Content-Range", "bytes */" + std::to_string(variant.size()));
      return refused;
    }
    if (range) {
      return range_response(*file, variant, *range);
    }
  }
  response.prepared_head = variant.head;
  response.shared_body = variant.body;
  response.file_body = variant.file;
  return response;
}

} // namespace reactor::edge
