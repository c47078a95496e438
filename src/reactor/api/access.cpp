#include "reactor/api/access.hpp"

#include "reactor/util/text.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace reactor::api {

namespace {

constexpr std::size_t k_max_clients = 100'000;
constexpr std::array<std::string_view, 3> k_loopback_names{ "localhost", "127.0.0.1", "[::1]" };

bool
is_loopback_name(std::string_view name)
{
  return std::ranges::find(k_loopback_names, name) != k_loopback_names.end();
}

// The authority of "scheme://authority/…"; empty when there is no "://".
std::string_view
authority_of(std::string_view url)
{
  const auto start = url.find("://");
  if (start == std::string_view::npos) {
    return {};
  }
  url.remove_prefix(start + 3);
  return url.substr(0, url.find_first_of("/?#"));
}

} // namespace

std::string
host_name(std::string_view authority)
{
  if (authority.starts_with('[')) {
    return util::ascii_lowercase(authority.substr(0, authority.find(']') + 1));
  }
  std::string name = util::ascii_lowercase(authority.substr(0, authority.find(':')));
  if (name.ends_with('.')) {
    name.pop_back();
  }
  return name;
}

bool
is_json_content_type(std::string_view content_type)
{
  const std::string_view media_type = content_type.substr(0, content_type.find(';'));
  const auto first = media_type.find_first_not_of(" \t");
  const auto last = media_type.find_last_not_of(" \t");
  return first != std::string_view::npos &&
         util::ascii_lowercase(media_type.substr(first, last - first + 1)) == "application/json";
}

std::vector<std::string>
api_host_names(std::string_view public_url,
               std::string_view domain,
               const std::vector<std::string>& api_hosts)
{
  std::vector<std::string> names;
  const auto add = [&names](std::string name) {
    if (!name.empty() && name.find('{') == std::string::npos &&
        std::ranges::find(names, name) == names.end()) {
      names.push_back(std::move(name));
    }
  };
  std::string public_host = host_name(authority_of(public_url));
  if (public_host.starts_with("{id}.")) {
    public_host.erase(0, 5);
  }
  add(std::move(public_host));
  add(host_name(domain));
  for (const auto& host : api_hosts) {
    add(host_name(host));
  }
  return names;
}

bool
is_api_host(std::string_view host, const std::vector<std::string>& api_hosts)
{
  const std::string name = host_name(host);
  return is_loopback_name(name) || std::ranges::find(api_hosts, name) != api_hosts.end();
}

bool
is_own_origin(std::string_view origin,
              std::string_view host,
              const std::vector<std::string>& api_hosts)
{
  const std::string_view authority = authority_of(origin);
  if (authority.empty()) {
    return false; // "null": a sandboxed frame, a file, a redirect across sites
  }
  if (util::ascii_lowercase(authority) == util::ascii_lowercase(host)) {
    return true;
  }
  const std::string name = host_name(authority);
  return !is_loopback_name(name) && std::ranges::find(api_hosts, name) != api_hosts.end();
}

bool
is_authorized(std::string_view authorization, std::string_view token)
{
  if (token.empty()) {
    return true;
  }
  constexpr std::string_view k_scheme = "Bearer ";
  if (!authorization.starts_with(k_scheme)) {
    return false;
  }
  const std::string_view given = authorization.substr(k_scheme.size());
  return given.size() == token.size() &&
         CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

RateLimiter::RateLimiter(double per_minute, double burst)
  : m_per_second(per_minute / 60.0)
  , m_burst(std::max(1.0, burst))
{
}

std::chrono::seconds
RateLimiter::acquire(std::string_view client)
{
  const auto now = std::chrono::steady_clock::now();
  std::scoped_lock lock(m_mutex);
  if (m_buckets.size() >= k_max_clients) {
    std::erase_if(m_buckets, [&](const auto& item) {
      return item.second.updated + std::chrono::minutes(10) < now;
    });
  }
  auto [it, inserted] = m_buckets.try_emplace(std::string(client), Bucket{ m_burst, now });
  Bucket& bucket = it->second;
  const std::chrono::duration<double> elapsed = now - bucket.updated;
  bucket.tokens = std::min(m_burst, bucket.tokens + elapsed.count() * m_per_second);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::chrono::seconds(0);
  }
  const double wait = m_per_second > 0 ? (1.0 - bucket.tokens) / m_per_second : 60.0;
  return std::chrono::seconds(static_cast<long>(std::ceil(wait)));
}

} // namespace reactor::api
