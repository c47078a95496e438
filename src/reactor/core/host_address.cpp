#include "reactor/core/host_address.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace reactor::core {

namespace {

namespace ip = boost::asio::ip;

struct Range
{
  std::uint32_t network;
  int prefix;
  std::string_view name;
};

constexpr std::uint32_t
v4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d)
{
  return (a << 24) | (b << 16) | (c << 8) | d;
}

constexpr std::array k_v4_ranges{
  Range{ v4(0, 0, 0, 0), 8, "\"this network\" 0.0.0.0/8" },
  Range{ v4(10, 0, 0, 0), 8, "private 10.0.0.0/8" },
  Range{ v4(100, 64, 0, 0), 10, "shared (CGNAT) 100.64.0.0/10" },
  Range{ v4(127, 0, 0, 0), 8, "loopback 127.0.0.0/8" },
  Range{ v4(169, 254, 0, 0), 16, "link-local 169.254.0.0/16" },
  Range{ v4(172, 16, 0, 0), 12, "private 172.16.0.0/12" },
  Range{ v4(192, 0, 0, 0), 24, "IETF protocol 192.0.0.0/24" },
  Range{ v4(192, 0, 2, 0), 24, "documentation 192.0.2.0/24" },
  Range{ v4(192, 88, 99, 0), 24, "6to4 relay 192.88.99.0/24" },
  Range{ v4(192, 168, 0, 0), 16, "private 192.168.0.0/16" },
  Range{ v4(198, 18, 0, 0), 15, "benchmarking 198.18.0.0/15" },
  Range{ v4(198, 51, 100, 0), 24, "documentation 198.51.100.0/24" },
  Range{ v4(203, 0, 113, 0), 24, "documentation 203.0.113.0/24" },
  Range{ v4(224, 0, 0, 0), 4, "multicast 224.0.0.0/4" },
  Range{ v4(240, 0, 0, 0), 4, "reserved 240.0.0.0/4" },
};

struct Range6
{
  std::array<std::uint8_t, 16> network;
  int prefix;
  std::string_view name;
};

constexpr std::array k_v6_ranges{
  Range6{ { 0x01, 0x00 }, 64, "discard 100::/64" },
  Range6{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48, "local NAT64 64:ff9b:1::/48" },
  Range6{ { 0x20, 0x01, 0x00, 0x00 }, 32, "Teredo 2001::/32" },
  Range6{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation 2001:db8::/32" },
  Range6{ { 0x3f, 0xff }, 20, "documentation 3fff::/20" },
  Range6{ { 0xfc }, 7, "unique local fc00::/7" },
  Range6{ { 0xfe, 0x80 }, 10, "link-local fe80::/10" },
  Range6{ { 0xfe, 0xc0 }, 10, "site-local fec0::/10" },
  Range6{ { 0xff }, 8, "multicast ff00::/8" },
};

bool
in_range(const ip::address_v6::bytes_type& bytes, const Range6& range)
{
  for (int bit = 0; bit < range.prefix; ++bit) {
    const auto index = static_cast<std::size_t>(bit / 8);
    const auto mask = static_cast<std::uint8_t>(0x80U >> (bit % 8));
    if ((bytes[index] & mask) != (range.network[index] & mask)) {
      return false;
    }
  }
  return true;
}

bool
starts_with(const ip::address_v6::bytes_type& bytes, std::initializer_list<std::uint8_t> prefix)
{
  std::size_t index = 0;
  for (const auto byte : prefix) {
    if (bytes[index++] != byte) {
      return false;
    }
  }
  return true;
}

ip::address_v4
v4_at(const ip::address_v6::bytes_type& bytes, std::size_t offset)
{
  return ip::address_v4(ip::address_v4::bytes_type{
    bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3] });
}

// The IPv4 address an IPv6 address carries and is routed to: mapped (::ffff:0:0/96),
// compatible (::/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
std::optional<ip::address_v4>
embedded_v4(const ip::address_v6& address)
{
  const auto bytes = address.to_bytes();
  const std::initializer_list<std::uint8_t> k_zeros{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  if (starts_with(bytes, k_zeros) && bytes[10] == 0xff && bytes[11] == 0xff) {
    return v4_at(bytes, 12);
  }
  if (starts_with(bytes, k_zeros) && bytes[10] == 0 && bytes[11] == 0) {
    const auto inner = v4_at(bytes, 12);
    // :: and ::1 are IPv6's own unspecified and loopback addresses, ranged below.
    return inner.to_uint() <= 1 ? std::nullopt : std::optional(inner);
  }
  if (starts_with(bytes, { 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 })) {
    return v4_at(bytes, 12);
  }
  if (starts_with(bytes, { 0x20, 0x02 })) {
    return v4_at(bytes, 2);
  }
  return std::nullopt;
}

std::optional<std::string>
reserved_v4(const ip::address_v4& address)
{
  const auto value = address.to_uint();
  if (value == v4(255, 255, 255, 255)) {
    return "broadcast 255.255.255.255";
  }
  for (const auto& range : k_v4_ranges) {
    const std::uint32_t mask = ~std::uint32_t{ 0 } << (32 - range.prefix);
    if ((value & mask) == range.network) {
      return std::string(range.name);
    }
  }
  return std::nullopt;
}

bool
is_hex_digit(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool
is_hex_prefixed(std::string_view part)
{
  return part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X');
}

// The host's dot-separated parts, without the one empty part a trailing dot leaves.
std::vector<std::string_view>
host_parts(std::string_view host)
{
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = host.find('.', start);
    parts.push_back(host.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  if (parts.size() > 1 && parts.back().empty()) {
    parts.pop_back();
  }
  return parts;
}

// WHATWG's "ends in a number" checker.
bool
ends_in_number(const std::vector<std::string_view>& parts)
{
  const std::string_view last = parts.back();
  if (!last.empty() && last.find_first_not_of("0123456789") == std::string_view::npos) {
    return true;
  }
  return is_hex_prefixed(last) &&
         std::ranges::all_of(last.substr(2), [](char c) { return is_hex_digit(c); });
}

// WHATWG's IPv4 number parser: decimal, 0x hex or 0-prefixed octal; values beyond 2^32
// are capped there (they are too large in any position).
std::optional<std::uint64_t>
parse_ipv4_number(std::string_view part)
{
  if (part.empty()) {
    return std::nullopt;
  }
  unsigned radix = 10;
  if (is_hex_prefixed(part)) {
    radix = 16;
    part.remove_prefix(2);
  } else if (part.size() > 1 && part.front() == '0') {
    radix = 8;
    part.remove_prefix(1);
  }
  constexpr std::uint64_t k_cap = std::uint64_t{ 1 } << 33;
  std::uint64_t value = 0;
  for (const char c : part) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (digit >= radix) {
      return std::nullopt;
    }
    value = std::min(value * radix + digit, k_cap);
  }
  return value;
}

} // namespace

util::Result<std::optional<ip::address_v4>>
parse_numeric_ipv4(std::string_view host)
{
  const auto parts = host_parts(host);
  if (!ends_in_number(parts)) {
    return std::optional<ip::address_v4>{};
  }
  const auto invalid = [&] {
    return util::fail("repoUrl host '" + std::string(host) +
                      "' ends in a number but is not a valid IPv4 address: give a host name or "
                      "an address like 203.0.113.7");
  };
  if (parts.size() > 4) {
    return invalid();
  }
  std::vector<std::uint64_t> numbers;
  for (const auto part : parts) {
    const auto number = parse_ipv4_number(part);
    if (!number) {
      return invalid();
    }
    numbers.push_back(*number);
  }
  std::uint64_t address = 0;
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    if (numbers[i] > 255) {
      return invalid();
    }
    address += numbers[i] << (8 * (3 - i));
  }
  const std::uint64_t last = numbers.back();
  if (last >= (std::uint64_t{ 1 } << (8 * (5 - numbers.size())))) {
    return invalid();
  }
  address += last;
  return std::optional(ip::address_v4(static_cast<std::uint32_t>(address)));
}

std::optional<std::string>
reserved_range(const ip::address& address)
{
  if (address.is_v4()) {
    return reserved_v4(address.to_v4());
  }
  const auto v6 = address.to_v6();
  if (v6.is_unspecified()) {
    return "unspecified ::";
  }
  if (v6.is_loopback()) {
    return "loopback ::1";
  }
  if (const auto inner = embedded_v4(v6)) {
    if (auto range = reserved_v4(*inner)) {
      return *range + " (inside IPv6 " + v6.to_string() + ")";
    }
  }
  const auto bytes = v6.to_bytes();
  for (const auto& range : k_v6_ranges) {
    if (in_range(bytes, range)) {
      return std::string(range.name);
    }
  }
  return std::nullopt;
}

bool
is_loopback_address(const ip::address& address)
{
  if (address.is_v4()) {
    return (address.to_v4().to_uint() >> 24) == 127;
  }
  const auto v6 = address.to_v6();
  const auto inner = embedded_v4(v6);
  return v6.is_loopback() || (inner && (inner->to_uint() >> 24) == 127);
}

std::optional<std::string>
refused_address(const ip::address& address, bool allow_local)
{
  auto range = reserved_range(address);
  if (!range || (allow_local && is_loopback_address(address))) {
    return std::nullopt;
  }
  if (is_loopback_address(address)) {
    return address.to_string() + " is a loopback address (" + *range +
           "), i.e. this machine; local repositories are allowed only with "
           "--allow-local-repos";
  }
  return address.to_string() + " is in the " + *range +
         " range, not a public address: Reactor clones only from public hosts";
}

bool
is_whole_authority(std::string_view url, std::string_view encoded_authority)
{
  const auto start = url.find("//");
  if (start == std::string_view::npos) {
    return false;
  }
  const std::string_view rest = url.substr(start + 2);
  return rest.substr(0, rest.find_first_of("/?#")) == encoded_authority;
}

} // namespace reactor::core
