#pragma once

#include "reactor/util/error.hpp"

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace reactor::core {

// The IPv4 address a URL host spells, read as browsers and inet_aton do (WHATWG URL host
// parsing): "2130706433", "0x7f.1", "0177.0.0.1" and "127.1" all mean 127.0.0.1.
// nullopt when the host is a name (it does not end in a number); an Error when it ends in
// a number but is no valid IPv4 address.
util::Result<std::optional<boost::asio::ip::address_v4>> parse_numeric_ipv4(std::string_view host);

// The reserved range `address` lies in ("loopback 127.0.0.0/8", "private 10.0.0.0/8",
// "link-local fe80::/10", …), looking through IPv4-mapped, IPv4-compatible, NAT64 and
// 6to4 IPv6 addresses; nullopt for a public address.
std::optional<std::string> reserved_range(const boost::asio::ip::address& address);

// True for 127.0.0.0/8 and ::1, also inside IPv4-mapped, -compatible and NAT64 IPv6.
bool is_loopback_address(const boost::asio::ip::address& address);

// Why Reactor must not connect to `address` for a repository ("127.0.0.1 is a loopback
// address (127.0.0.0/8)"), or nullopt when it may: a public address, or loopback when
// `allow_local`.
std::optional<std::string> refused_address(const boost::asio::ip::address& address,
                                           bool allow_local);

// True when `encoded_authority` is all of the URL's authority (from "//" up to the next
// '/', '?' or '#'). Boost.URL 1.81 ends an IPv4 host early ("1.2.3.4.evil.com" parses as
// host 1.2.3.4 and path ".evil.com"), while git and curl read the whole name.
bool is_whole_authority(std::string_view url, std::string_view encoded_authority);

} // namespace reactor::core
