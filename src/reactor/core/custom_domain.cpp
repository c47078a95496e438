#include "reactor/core/custom_domain.hpp"

#include "reactor/util/text.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace reactor::core {

namespace {

constexpr std::size_t k_max_name = 253;
constexpr std::size_t k_max_label = 63;

constexpr std::array k_states{ std::pair{ DomainState::pending_dns,
                                          std::string_view{ "pending_dns" } },
                               std::pair{ DomainState::active, std::string_view{ "active" } } };

bool
is_label(std::string_view label)
{
  if (label.empty() || label.size() > k_max_label || label.front() == '-' || label.back() == '-') {
    return false;
  }
  return std::ranges::all_of(
    label, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

std::string
joined(std::span<const std::string> items)
{
  std::string text;
  for (const auto& item : items) {
    text += (text.empty() ? "" : ", ") + item;
  }
  return text;
}

} // namespace

std::string_view
to_string(DomainState state)
{
  for (const auto& [value, name] : k_states) {
    if (value == state) {
      return name;
    }
  }
  return "";
}

std::optional<DomainState>
parse_domain_state(std::string_view text)
{
  for (const auto& [value, name] : k_states) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

util::Result<std::string>
check_custom_domain(std::string_view text, std::string_view site_domain)
{
  std::string domain = util::ascii_lowercase(text);
  if (domain.ends_with('.')) {
    domain.pop_back();
  }
  const std::string example = " (like www.example.com)";
  if (domain.empty() || domain.size() > k_max_name) {
    return util::fail_user("domain must be a hostname of at most 253 characters" + example);
  }
  if (domain.find('.') == std::string::npos) {
    return util::fail_user("'" + domain + "' is a single label: give a full domain" + example);
  }
  std::size_t start = 0;
  bool all_digits = true;
  while (start <= domain.size()) {
    const auto end = std::min(domain.find('.', start), domain.size());
    const std::string_view label = std::string_view(domain).substr(start, end - start);
    if (!is_label(label)) {
      std::string message = "'" + domain + "' is not a hostname: each part has 1 to 63 letters, ";
      message += "digits or hyphens, not starting or ending with a hyphen";
      message += example;
      return util::fail_user(message);
    }
    all_digits = std::ranges::all_of(label, [](char c) { return c >= '0' && c <= '9'; });
    start = end + 1;
  }
  if (all_digits) { // the last label: an IPv4 address, or no top-level domain
    return util::fail_user("'" + domain + "' is an address, not a domain" + example);
  }
  if (!site_domain.empty() &&
      (domain == site_domain || domain.ends_with("." + std::string(site_domain)))) {
    return util::fail_user("'" + domain + "' is Reactor's own domain (" + std::string(site_domain) +
                           "): its hostnames serve projects already");
  }
  return domain;
}

util::Result<void>
check_points_here(std::string_view domain,
                  const DnsAnswer& answer,
                  std::string_view target,
                  std::span<const std::string> public_ips)
{
  const std::string name(domain);
  const std::string cname_advice = "add a CNAME record for " + name + " to " + std::string(target);
  if (!answer.cname.empty()) {
    if (answer.cname == target) {
      return {};
    }
    return util::fail_user(name + " is a CNAME to " + answer.cname + ": " + cname_advice);
  }
  if (answer.addresses.empty()) {
    return util::fail_user(name + " has no CNAME, A or AAAA record yet: " + cname_advice);
  }
  const bool all_ours = std::ranges::all_of(answer.addresses, [&](const std::string& address) {
    return std::ranges::find(public_ips, address) != public_ips.end();
  });
  if (all_ours) {
    return {};
  }
  const std::string found = joined(answer.addresses);
  if (public_ips.empty()) {
    return util::fail_user(name + " has address records (" + found + "): " + cname_advice +
                           " instead (this server has no --public-ip to compare them with)");
  }
  return util::fail_user(name + " points at " + found + ", not at this server (" +
                         joined(public_ips) + "): " + cname_advice + ", or A/AAAA records to " +
                         joined(public_ips));
}

} // namespace reactor::core
