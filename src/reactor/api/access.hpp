#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reactor::api {

// True when `authorization` is "Bearer <token>" for this token, compared in constant
// time. An empty token means access control is off: everything is allowed.
bool is_authorized(std::string_view authorization, std::string_view token);

// The host name in a Host header or URL authority ("Example.com:3000", "[::1]:80"):
// lowercase, without port or trailing dot; an IPv6 address keeps its brackets.
std::string host_name(std::string_view authority);

// True for "application/json", with parameters ("; charset=utf-8") or without.
bool is_json_content_type(std::string_view content_type);

// The names the API answers for besides loopback: the --public-url's host (without its
// "{id}." label), --domain and every --api-host, lowercase, each once.
std::vector<std::string> api_host_names(std::string_view public_url,
                                        std::string_view domain,
                                        const std::vector<std::string>& api_hosts);

// True when the API answers a request for `host` (its Host header): localhost,
// 127.0.0.1 or [::1] on any port, or a name in `api_hosts`. Anything else may be a DNS
// rebinding page.
bool is_api_host(std::string_view host, const std::vector<std::string>& api_hosts);

// True when a browser's `origin` is the API's own: the same host:port the request was
// sent to (`host`), or a non-loopback name in `api_hosts`. A deployed site, another local
// page or "null" is foreign.
bool is_own_origin(std::string_view origin,
                   std::string_view host,
                   const std::vector<std::string>& api_hosts);

// A token bucket per client: `per_minute` requests a minute on average, bursts up to
// `burst`. Thread-safe; forgets idle clients so memory stays bounded.
class RateLimiter
{
public:
  RateLimiter(double per_minute, double burst);

  // Takes one token for `client`; when none is left, returns how long until one is.
  std::chrono::seconds acquire(std::string_view client);

private:
  struct Bucket
  {
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
  };

  const double m_per_second;
  const double m_burst;
  std::mutex m_mutex;
  std::unordered_map<std::string, Bucket> m_buckets;
};

} // namespace reactor::api
