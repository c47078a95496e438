#pragma once

#include <string_view>

namespace reactor::core {

// The Content-Type to serve for a file, from its extension (case-insensitive);
// application/octet-stream when the extension is unknown or missing.
std::string_view content_type_for(std::string_view path);

} // namespace reactor::core
