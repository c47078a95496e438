#include "reactor/acme/schedule.hpp"

#include <algorithm>
#include <chrono>

namespace reactor::acme {

namespace {

using std::chrono::milliseconds;

constexpr std::int64_t k_first_delay_ms = milliseconds(std::chrono::minutes(1)).count();
constexpr std::int64_t k_longest_delay_ms = milliseconds(std::chrono::days(1)).count();
constexpr std::int64_t k_hour_ms = milliseconds(std::chrono::hours(1)).count();
// Enough failures to double the delay up to its cap.
constexpr std::size_t k_failures_kept = 12;

} // namespace

std::int64_t
renewal_time_ms(std::int64_t not_before_ms, std::int64_t not_after_ms)
{
  return not_before_ms + (not_after_ms - not_before_ms) * 2 / 3;
}

Backoff
after_failure(std::vector<std::int64_t> failures_ms, std::int64_t now_ms)
{
  failures_ms.push_back(now_ms);
  if (failures_ms.size() > k_failures_kept) {
    failures_ms.erase(failures_ms.begin(),
                      failures_ms.end() - static_cast<std::ptrdiff_t>(k_failures_kept));
  }
  const auto doublings = static_cast<int>(failures_ms.size()) - 1;
  auto next = now_ms + std::min(k_first_delay_ms << doublings, k_longest_delay_ms);
  if (failures_ms.size() >= static_cast<std::size_t>(k_failures_per_hour)) {
    next = std::max(next, failures_ms[failures_ms.size() - k_failures_per_hour] + k_hour_ms);
  }
  return { std::move(failures_ms), next };
}

} // namespace reactor::acme
