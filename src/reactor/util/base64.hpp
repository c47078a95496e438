#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reactor::util {

// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);

// The bytes of standard base64 text; nullopt when it is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace reactor::util
