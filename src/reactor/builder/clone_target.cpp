#include "reactor/builder/clone_target.hpp"

#include "reactor/core/host_address.hpp"
#include "reactor/util/text.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>
#include <netdb.h>
#include <optional>
#include <sys/socket.h>

namespace reactor::builder {

namespace ip = boost::asio::ip;
using Kind = CloneFailure::Kind;

const std::string_view k_unreachable_repository =
  "Repository not found or not reachable: check the URL, that its host is reachable, and "
  "that the repository is public";

namespace {

std::unexpected<CloneFailure>
refused(std::string message)
{
  return std::unexpected(CloneFailure{ Kind::refused, std::move(message) });
}

// curl's "host:port:address" form wants IPv6 addresses in brackets.
std::string
bracketed(const ip::address& address)
{
  return address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
}

void
set_host(boost::urls::url& url, const ip::address& address)
{
  if (address.is_v4()) {
    url.set_host_ipv4(boost::urls::ipv4_address(address.to_v4().to_uint()));
  } else {
    url.set_host_ipv6(boost::urls::ipv6_address(address.to_v6().to_bytes()));
  }
}

} // namespace

std::expected<Addresses, std::string>
resolve_host(const std::string& host, const std::string& port)
{
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int status = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); status != 0) {
    return std::unexpected(std::string(gai_strerror(status)));
  }
  Addresses addresses;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    std::optional<ip::address> address;
    if (entry->ai_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ai_addr);
      address = ip::address_v4(ntohl(in->sin_addr.s_addr));
    } else if (entry->ai_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(entry->ai_addr);
      ip::address_v6::bytes_type bytes{};
      std::copy_n(in6->sin6_addr.s6_addr, bytes.size(), bytes.begin());
      address = ip::address_v6(bytes);
    }
    if (address && std::ranges::find(addresses, *address) == addresses.end()) {
      addresses.push_back(*address);
    }
  }
  freeaddrinfo(found);
  return addresses;
}

std::expected<CloneTarget, CloneFailure>
pin_clone_target(std::string_view url, bool allow_local, const Resolver& resolve)
{
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    if (allow_local) {
      return CloneTarget{ std::string(url), {} }; // a local path (development)
    }
    return refused("Unsupported repository URL: use an https:// (or http://, git://) URL of "
                   "a public Git repository");
  }
  const std::string scheme = util::ascii_lowercase(parsed->scheme());
  if (scheme == "file") {
    if (allow_local) {
      return CloneTarget{ std::string(url), {} };
    }
    return refused("file:// repository URLs are not allowed on this server (start it with "
                   "--allow-local-repos for development)");
  }
  if (scheme != "https" && scheme != "http" && scheme != "git") {
    return refused("Unsupported repository URL: use an https:// (or http://, git://) URL of "
                   "a public Git repository");
  }
  std::string port(parsed->port());
  if (port.empty()) {
    port = scheme == "https" ? "443" : scheme == "http" ? "80" : "9418";
  }

  if (!core::is_whole_authority(url, parsed->encoded_authority())) {
    return refused("The repository URL's host is not a valid host name or address");
  }
  const std::string host = util::ascii_lowercase(parsed->encoded_host());
  std::optional<ip::address> numeric;
  if (parsed->host_type() == boost::urls::host_type::ipv6) {
    numeric = ip::address_v6(parsed->host_ipv6_address().to_bytes());
  } else if (parsed->host_type() == boost::urls::host_type::ipvfuture || host.empty() ||
             host.find('%') != std::string::npos || host.ends_with('.')) {
    return refused("The repository URL's host '" + host +
                   "' is not a plain host name or address: write it without "
                   "percent-encoding or a trailing dot");
  } else {
    auto ipv4 = core::parse_numeric_ipv4(host);
    if (!ipv4) {
      return refused(ipv4.error().message);
    }
    if (*ipv4) {
      numeric = **ipv4;
    }
  }

  Addresses addresses;
  if (numeric) {
    addresses.push_back(*numeric);
  } else {
    auto resolved = resolve(host, port);
    if (!resolved || resolved->empty()) {
      return std::unexpected(
        CloneFailure{ Kind::repository_not_found, std::string(k_unreachable_repository) });
    }
    addresses = std::move(*resolved);
  }
  for (const auto& address : addresses) {
    if (auto why = core::refused_address(address, allow_local)) {
      return refused("The repository host " + host + " is refused: " + *why);
    }
  }

  CloneTarget target;
  target.git_config.emplace_back("http.followRedirects=false");
  boost::urls::url rewritten(*parsed);
  if (numeric || scheme == "git") {
    // git:// connects with its own resolver: give it the checked address itself.
    set_host(rewritten, addresses.front());
  } else {
    std::string pinned = "http.curloptResolve=" + host + ":" + port + ":";
    for (std::size_t i = 0; i < addresses.size(); ++i) {
      pinned += (i == 0 ? "" : ",") + bracketed(addresses[i]);
    }
    target.git_config.push_back(std::move(pinned));
  }
  target.url = std::string(rewritten.buffer());
  return target;
}

} // namespace reactor::builder
