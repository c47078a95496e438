#include "reactor/api/access.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cmath>

namespace reactor::api {

namespace {

constexpr std::size_t k_max_clients = 100'000;

} // namespace

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
