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

} // namespace reactor::edge
