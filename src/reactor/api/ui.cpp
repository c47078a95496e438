#include "reactor/api/ui.hpp"

#include "reactor/net/negotiation.hpp"

#include <memory>
#include <string>
#include <vector>

namespace reactor::api {

namespace {

constexpr std::string_view k_index = "/index.html";
constexpr std::string_view k_assets = "/assets/";
constexpr std::string_view k_revalidate = "no-cache";
constexpr std::string_view k_immutable = "public, max-age=31536000, immutable";
// The UI loads only its own files and talks only to this API and /ws.
constexpr std::string_view k_csp =
  "default-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
  "style-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'; "
  "form-action 'self'";

using Body = std::shared_ptr<const std::string>;

// A file with its bodies copied once into shared buffers, so every response shares them.
struct Served
{
  const EmbeddedFile* file;
  Body body;
  Body gzip;
};

Body
share(std::span<const unsigned char> bytes)
{
  if (bytes.empty()) {
    return nullptr;
  }
  return std::make_shared<const std::string>(reinterpret_cast<const char*>(bytes.data()),
                                             bytes.size());
}

const std::vector<Served>&
served_files()
{
  static const std::vector<Served> files = [] {
    std::vector<Served> result;
    for (const auto& file : embedded_ui_files()) {
      result.push_back({ &file, share(file.bytes), share(file.gzip) });
      if (!result.back().body) {
        result.back().body = std::make_shared<const std::string>();
      }
    }
    return result;
  }();
  return files;
}

const Served*
find(std::string_view path)
{
  for (const auto& served : served_files()) {
    if (served.file->path == path) {
      return &served;
    }
  }
  return nullptr;
}

net::Response
respond(const net::Request& request, const Served& served, std::string_view cache_control)
{
  const EmbeddedFile& file = *served.file;
  const bool gzip =
    served.gzip &&
    net::choose_encoding(request.header("accept-encoding"), true, false) == net::Encoding::gzip;
  // A gzip body is a different representation, so it has its own tag.
  const std::string etag = gzip ? std::string(file.etag.substr(0, file.etag.size() - 1)) + "-gz\""
                                : std::string(file.etag);

  net::Response response;
  response.headers.emplace_back("Cache-Control", cache_control);
  response.headers.emplace_back("ETag", etag);
  if (served.gzip) {
    response.headers.emplace_back("Vary", "Accept-Encoding");
  }
  if (net::etag_matches(request.header("if-none-match"), etag)) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.headers.emplace_back("Content-Type", file.content_type);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (gzip) {
    response.headers.emplace_back("Content-Encoding", "gzip");
  }
  if (file.path == k_index) {
    response.headers.emplace_back("Content-Security-Policy", k_csp);
    response.headers.emplace_back("Referrer-Policy", "same-origin");
  }
  response.shared_body = gzip ? served.gzip : served.body;
  return response;
}

net::Response
not_built()
{
  net::Response response;
  response.status = 503;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.headers.emplace_back("Cache-Control", "no-store");
  response.body = "This Reactor binary was built without its web UI (REACTOR_BUILD_UI=OFF); "
                  "the API answers on /deploy, /deployments and /ws.\n";
  return response;
}

} // namespace

std::optional<net::Response>
serve_ui(const net::Request& request)
{
  if (request.method != "GET" && request.method != "HEAD") {
    return std::nullopt;
  }
  const std::string_view path = request.path();
  // The UI's own routes: a deployment (/d/<id>), the projects (/p) and a project (/p/…).
  if (path == "/" || path == k_index || (path.starts_with("/d/") && path.size() > 3) ||
      path == "/p" || path.starts_with("/p/")) {
    const Served* index = find(k_index);
    if (index == nullptr) {
      return not_built();
    }
    return respond(request, *index, k_revalidate);
  }
  if (path.starts_with(k_assets)) {
    if (const Served* asset = find(path)) {
      return respond(request, *asset, k_immutable);
    }
    return std::nullopt;
  }
  // Other files at the top of ui/dist (copied from ui/public) keep their names.
  if (const Served* file = find(path)) {
    return respond(request, *file, k_revalidate);
  }
  return std::nullopt;
}

} // namespace reactor::api
