#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace reactor::api {

// True when `authorization` is "Bearer <token>" for this token, compared in constant
// time. An empty token means access control is off: everything is allowed.
bool is_authorized(std::string_view authorization, std::string_view token);

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
