#pragma once

#include <string_view>

namespace reactor::tls {

// Whether a certificate's DNS name covers the SNI host `host` (RFC 6125): equal ignoring
// case, or a "*.example.com" wildcard standing for exactly one leftmost label.
bool name_matches(std::string_view certificate_name, std::string_view host);

} // namespace reactor::tls
