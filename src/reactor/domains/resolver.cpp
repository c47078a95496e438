#include "reactor/domains/resolver.hpp"

#include "reactor/util/file_descriptor.hpp"
#include "reactor/util/text.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <array>
#include <charconv>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <sys/socket.h>

namespace reactor::domains {

namespace {

constexpr int k_timeout_ms = 2000;
constexpr int k_attempts = 2;
constexpr std::uint16_t k_dns_port = 53;
constexpr std::size_t k_answer_size = 4096;

using Packet = std::array<unsigned char, k_answer_size>;

util::Result<sockaddr_in>
resolver_address(std::string_view resolver)
{
  const auto colon = resolver.rfind(':');
  const std::string host(resolver.substr(0, colon));
  std::uint16_t port = k_dns_port;
  if (colon != std::string_view::npos) {
    const auto digits = resolver.substr(colon + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (error != std::errc() || end != digits.data() + digits.size() || port == 0) {
      return util::fail("--dns-resolver '" + std::string(resolver) +
                        "' has no valid port: give host:port, like 127.0.0.1:53");
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return util::fail("--dns-resolver '" + std::string(resolver) +
                      "' is not an IPv4 address: give one, like 127.0.0.1:53");
  }
  return address;
}

// The system's first IPv4 nameserver (/etc/resolv.conf).
util::Result<sockaddr_in>
system_resolver()
{
  struct __res_state state{};
  if (res_ninit(&state) != 0 || state.nscount == 0 || state.nsaddr_list[0].sin_family != AF_INET) {
    res_nclose(&state);
    return util::fail("the system has no IPv4 DNS server in /etc/resolv.conf: give --dns-resolver");
  }
  const sockaddr_in address = state.nsaddr_list[0];
  res_nclose(&state);
  return address;
}

// One query over UDP, recursion desired, and its answer. Made here rather than through
// res_nquery, which drops an answer without "recursion available", as an authoritative
// server (or a test's) sends.
util::Result<int>
exchange(const sockaddr_in& server, const std::string& name, ns_type type, Packet& answer)
{
  Packet query{};
  const int query_size = res_mkquery(
    ns_o_query, name.c_str(), ns_c_in, type, nullptr, 0, nullptr, query.data(), query.size());
  if (query_size < 0) {
    return util::fail("'" + name + "' cannot be asked of DNS");
  }
  const util::FileDescriptor socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (socket.get() < 0 ||
      ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&server), sizeof(server)) != 0) {
    return util::fail("cannot reach the DNS resolver");
  }
  for (int attempt = 0; attempt < k_attempts; ++attempt) {
    if (::send(socket.get(), query.data(), static_cast<std::size_t>(query_size), 0) < 0) {
      return util::fail("cannot reach the DNS resolver");
    }
    pollfd ready{ .fd = socket.get(), .events = POLLIN, .revents = 0 };
    while (::poll(&ready, 1, k_timeout_ms) > 0) {
      const auto size = ::recv(socket.get(), answer.data(), answer.size(), 0);
      // The same id as the query's: not a late answer to an earlier attempt of another one.
      if (size >= NS_HFIXEDSZ && answer[0] == query[0] && answer[1] == query[1]) {
        return static_cast<int>(size);
      }
      if (size < 0) {
        break;
      }
    }
  }
  return util::fail("the DNS resolver did not answer for " + name);
}

// The records of `type` in the answer to (name, type); none when the name has none.
util::Result<std::vector<std::string>>
query(const sockaddr_in& server, const std::string& name, ns_type type)
{
  Packet answer{};
  auto size = exchange(server, name, type, answer);
  if (!size) {
    return std::unexpected(size.error());
  }
  ns_msg message{};
  if (ns_initparse(answer.data(), *size, &message) < 0) {
    return util::fail("the DNS resolver's answer for " + name + " cannot be read");
  }
  const auto rcode = ns_msg_getflag(message, ns_f_rcode);
  if (rcode == ns_r_nxdomain) {
    return std::vector<std::string>{};
  }
  if (rcode != ns_r_noerror) {
    return util::fail("the DNS resolver failed for " + name + " (response code " +
                      std::to_string(rcode) + ")");
  }
  std::vector<std::string> records;
  for (int i = 0; i < ns_msg_count(message, ns_s_an); ++i) {
    ns_rr record{};
    if (ns_parserr(&message, ns_s_an, i, &record) < 0 || ns_rr_type(record) != type) {
      continue;
    }
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (type == ns_t_a && ns_rr_rdlen(record) == 4) {
      inet_ntop(AF_INET, ns_rr_rdata(record), text.data(), text.size());
      records.emplace_back(text.data());
    } else if (type == ns_t_aaaa && ns_rr_rdlen(record) == 16) {
      inet_ntop(AF_INET6, ns_rr_rdata(record), text.data(), text.size());
      records.emplace_back(text.data());
    } else if (type == ns_t_cname) {
      std::array<char, NS_MAXDNAME> target{};
      if (ns_name_uncompress(ns_msg_base(message),
                             ns_msg_end(message),
                             ns_rr_rdata(record),
                             target.data(),
                             target.size()) >= 0) {
        records.emplace_back(target.data());
      }
    }
  }
  return records;
}

} // namespace

util::Result<void>
check_resolver(std::string_view resolver)
{
  if (auto address = resolver_address(resolver); !address) {
    return std::unexpected(address.error());
  }
  return {};
}

util::Result<core::DnsAnswer>
look_up(std::string_view name, std::string_view resolver)
{
  auto server = resolver.empty() ? system_resolver() : resolver_address(resolver);
  if (!server) {
    return std::unexpected(server.error());
  }
  const std::string fqdn = std::string(name) + ".";
  core::DnsAnswer answer;
  auto cnames = query(*server, fqdn, ns_t_cname);
  if (!cnames) {
    return std::unexpected(cnames.error());
  }
  if (!cnames->empty()) {
    answer.cname = util::ascii_lowercase(cnames->front());
    if (answer.cname.ends_with('.')) {
      answer.cname.pop_back();
    }
    return answer;
  }
  for (const auto type : { ns_t_a, ns_t_aaaa }) {
    auto addresses = query(*server, fqdn, type);
    if (!addresses) {
      return std::unexpected(addresses.error());
    }
    answer.addresses.insert(answer.addresses.end(), addresses->begin(), addresses->end());
  }
  return answer;
}

} // namespace reactor::domains
