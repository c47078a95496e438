#pragma once

#include "reactor/util/error.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::core {

// Where a custom domain stands: waiting for its DNS to point at Reactor, or served.
enum class DomainState
{
  pending_dns,
  active
};

std::string_view to_string(DomainState state);
std::optional<DomainState> parse_domain_state(std::string_view text);

// A hostname of the user's own that serves a project's production deployment.
struct CustomDomain
{
  std::string domain; // lowercase, no trailing dot
  std::string project;
  DomainState state = DomainState::pending_dns;
  std::string last_error;         // what the last DNS check found wrong, what to fix; "" when none
  std::int64_t checked_at_ms = 0; // 0: never checked
  std::int64_t created_at_ms = 0;
};

// The domain lowercased, its trailing dot dropped, when it can be a custom domain: a DNS
// name of two labels or more (letters, digits, hyphens), no IP address, no wildcard, not
// Reactor's own `site_domain` nor under it. Otherwise a user error (422) saying why.
util::Result<std::string> check_custom_domain(std::string_view text, std::string_view site_domain);

// What the DNS says of a name: the CNAME target, when it has one, and its addresses.
struct DnsAnswer
{
  std::string cname;                  // lowercase, no trailing dot; "" for none
  std::vector<std::string> addresses; // IPv4 and IPv6, as text
};

// Ok when `answer` points `domain` at Reactor: a CNAME to `target` (the project's
// production hostname), or addresses that are all among `public_ips`. Otherwise the
// error says what the DNS has and what to set instead.
util::Result<void> check_points_here(std::string_view domain,
                                     const DnsAnswer& answer,
                                     std::string_view target,
                                     std::span<const std::string> public_ips);

} // namespace reactor::core
