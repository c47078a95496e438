#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reactor::util {

// gzip (RFC 1952) at the best compression level; nullopt if zlib fails.
std::optional<std::string> gzip(std::string_view data);

// Brotli at the best quality, for text; nullopt if the encoder fails.
std::optional<std::string> brotli(std::string_view data);

} // namespace reactor::util
