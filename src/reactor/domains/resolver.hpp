#pragma once

#include "reactor/core/custom_domain.hpp"
#include "reactor/util/error.hpp"

#include <string>
#include <string_view>

namespace reactor::domains {

// Asks DNS what `name` is: its CNAME, or else its A and AAAA records. `resolver` is
// "host:port" or "host" (port 53) of an IPv4 nameserver; "" uses the system's
// (/etc/resolv.conf). A name that does not exist is an empty answer; a resolver that
// does not answer is an error. Blocking (a few seconds at most).
util::Result<core::DnsAnswer> look_up(std::string_view name, std::string_view resolver);

// Ok for a --dns-resolver look_up can use; otherwise the error says what to give.
util::Result<void> check_resolver(std::string_view resolver);

} // namespace reactor::domains
