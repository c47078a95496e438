#pragma once

#include "reactor/builder/git.hpp"

#include <boost/asio/ip/address.hpp>

#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder {

// What git is given for one clone: the URL (a numeric host rewritten to the address it
// means; for git:// the host replaced by the checked address) and `-c` settings that pin
// HTTP connections to the checked addresses and turn redirects off.
struct CloneTarget
{
  std::string url;
  std::vector<std::string> git_config; // "name=value"
};

using Addresses = std::vector<boost::asio::ip::address>;
using Resolver = std::function<std::expected<Addresses, std::string>(const std::string& host,
                                                                     const std::string& port)>;

// Every address `host` resolves to (getaddrinfo), or why it does not resolve.
std::expected<Addresses, std::string> resolve_host(const std::string& host,
                                                   const std::string& port);

// Reads the URL's host (any numeric spelling as the address it means), resolves a name
// with `resolve`, and checks every address with core::refused_address: one address that is
// not public (loopback passes with `allow_local`) refuses the whole clone. file:// and
// local paths pass unchanged only with `allow_local`. Fails with Kind::refused (says why)
// or, when the name does not resolve, Kind::repository_not_found with the one message
// every unreachable repository gets.
std::expected<CloneTarget, CloneFailure> pin_clone_target(std::string_view url,
                                                          bool allow_local,
                                                          const Resolver& resolve = resolve_host);

// The message every clone gets that fails for a network reason (no such host, refused,
// unreachable, HTTP error, redirect): telling them apart would let a caller scan ports.
extern const std::string_view k_unreachable_repository;

} // namespace reactor::builder
