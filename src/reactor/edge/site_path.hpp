#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reactor::edge {

// Decodes and normalises a request path once: percent-decoding, "." segments dropped,
// repeated slashes folded. Returns the manifest-relative path ("" for the root, no
// leading slash; a trailing slash kept), or nullopt when the path could reach outside
// the site (".." segments, NUL, backslashes, malformed escapes, over 2 KiB).
std::optional<std::string> normalize_site_path(std::string_view path);

// True for a request of an asset: a normalised path whose last segment has an extension
// other than .html or .htm, unless the request asks for HTML (a browser's navigation to
// `/users/jane.doe` is a page). A missing asset never gets a site's SPA fallback, and on
// an alias hostname is looked for in the alias's earlier deployments (skew protection).
bool is_asset_request(std::string_view path, std::string_view accept);

} // namespace reactor::edge
