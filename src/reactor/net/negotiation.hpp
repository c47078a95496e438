#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reactor::net {

enum class Encoding
{
  identity,
  gzip,
  br
};

// The best encoding the client accepts (Accept-Encoding with q-values) among those the
// file has: br, then gzip, then identity. q=0 refuses an encoding.
Encoding choose_encoding(std::string_view accept_encoding, bool has_gzip, bool has_br);

struct ByteRange
{
  std::uint64_t first = 0;
  std::uint64_t last = 0; // inclusive
};

// A single "bytes=" range of a representation of `size` bytes. nullopt with
// `unsatisfiable` false means "serve the whole file" (no header, several ranges, or a
// syntax this server ignores, as RFC 9110 allows); `unsatisfiable` true means 416.
std::optional<ByteRange> parse_range(std::string_view header,
                                     std::uint64_t size,
                                     bool& unsatisfiable);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for seconds since the epoch.
std::string http_date(std::int64_t epoch_seconds);
// Seconds since the epoch of an IMF-fixdate; nullopt for anything else.
std::optional<std::int64_t> parse_http_date(std::string_view text);

} // namespace reactor::net
