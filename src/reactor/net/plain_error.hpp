#pragma once

// Internal to net/: the short answers the transport gives itself (400, 413, 431).

#include "reactor/net/http_message.hpp"

#include <string_view>

namespace reactor::net {

// A plain-text response with `text` as its body.
Response plain_error(unsigned status, std::string_view text);

} // namespace reactor::net
