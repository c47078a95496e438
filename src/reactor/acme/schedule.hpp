#pragma once

// When certificates are ordered again: renewal at two thirds of the lifetime, and the
// backoff after failed orders that keeps Reactor inside a CA's rate limits.

#include <cstdint>
#include <vector>

namespace reactor::acme {

// The most failed orders for one certificate in any hour (Let's Encrypt allows 5 failed
// validations per name per hour).
constexpr int k_failures_per_hour = 3;

// When a certificate valid from `not_before_ms` to `not_after_ms` is renewed.
std::int64_t renewal_time_ms(std::int64_t not_before_ms, std::int64_t not_after_ms);

struct Backoff
{
  std::vector<std::int64_t> failures_ms; // the recent failures to remember, oldest first
  std::int64_t next_attempt_ms = 0;
};

// After an order failed at `now_ms`, with `failures_ms` the consecutive failures before it
// (oldest first): the next attempt waits 1 minute doubled for each consecutive failure
// (at most a day), and never comes before the oldest of the last k_failures_per_hour
// failures is an hour old.
Backoff after_failure(std::vector<std::int64_t> failures_ms, std::int64_t now_ms);

} // namespace reactor::acme
