#pragma once

#include <optional>
#include <string_view>

namespace reactor::edge {

// For a Host header (lowercase, port allowed) under `domain`, the part before
// ".<domain>" (the deployment label, possibly malformed); nullopt when the host is not
// a site host (the API and UI answer it).
std::optional<std::string_view> site_label(std::string_view host, std::string_view domain);

} // namespace reactor::edge
