#include "reactor/util/metrics.hpp"

namespace reactor::util {

void
Histogram::observe_seconds(double seconds)
{
  std::size_t bucket = 0;
  while (bucket < k_bounds.size() && seconds > k_bounds[bucket]) {
    ++bucket;
  }
  buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  count.fetch_add(1, std::memory_order_relaxed);
  sum_ms.fetch_add(static_cast<std::uint64_t>(seconds * 1000), std::memory_order_relaxed);
}

void
Histogram::render(std::string& out, std::string_view name, std::string_view labels) const
{
  const std::string prefix = labels.empty() ? "" : std::string(labels) + ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= k_bounds.size(); ++i) {
    cumulative += buckets[i].load(std::memory_order_relaxed);
    const std::string bound =
      i < k_bounds.size() ? std::to_string(static_cast<int>(k_bounds[i])) : "+Inf";
    out.append(name).append("_bucket{").append(prefix).append("le=\"").append(bound);
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
  out += std::string(name) + "_sum" + braces + " " +
         std::to_string(static_cast<double>(sum_ms.load(std::memory_order_relaxed)) / 1000.0) +
         "\n";
  out += std::string(name) + "_count" + braces + " " +
         std::to_string(count.load(std::memory_order_relaxed)) + "\n";
}

Metrics&
metrics()
{
  static Metrics instance;
  return instance;
}

} // namespace reactor::util
