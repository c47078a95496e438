#pragma once

#include <cstdint>

namespace reactor::util {

// Raises the soft limit on open descriptors to the hard limit, as servers do: the usual
// soft limit of 1024 would cap the process at about a thousand connections (WebSocket
// watchers, keep-alive clients) while the hard limit allows far more. Returns the soft
// limit in force afterwards.
std::uint64_t raise_open_file_limit();

} // namespace reactor::util
