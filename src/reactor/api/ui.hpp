#pragma once

#include "reactor/net/http_message.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace reactor::api {

// One file of the web UI's build output (ui/dist), compiled into the binary by
// cmake/embed_ui.cmake.
struct EmbeddedFile
{
  std::string_view path;         // "/index.html", "/assets/index-1a2b3c4d.js"
  std::string_view content_type; // "text/html; charset=utf-8"
  std::string_view etag;         // "\"<sha256 prefix>\"", quotes included
  std::span<const unsigned char> bytes;
  std::span<const unsigned char> gzip; // empty when not worth compressing
};

// Every embedded file; defined in the generated source. Empty when the binary was built
// without the UI (-DREACTOR_BUILD_UI=OFF).
std::span<const EmbeddedFile> embedded_ui_files();

// The web UI on the API host: GET/HEAD of `/` and of `/d/<id>` (the client-side routes)
// answer index.html, which revalidates; `/assets/…` (hashed names) are cacheable
// forever. ETag with 304, gzip when the client accepts it. nullopt for anything else.
std::optional<net::Response> serve_ui(const net::Request& request);

} // namespace reactor::api
