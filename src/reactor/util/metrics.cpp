#include "reactor/util/metrics.hpp"

namespace reactor::util {

namespace {

// `name{labels}`, or `name` alone without labels.
std::string
series(std::string_view name, std::string_view labels)
{
  std::string out(name);
  if (!labels.empty()) {
    out.append("{").append(labels).append("}");
  }
  return out;
}

} // namespace

void
Histogram::observe_seconds(double seconds) noexcept
{
  std::size_t bucket = 0;
  while (bucket < k_bounds.size() && seconds > k_bounds[bucket]) {
    ++bucket;
  }
  m_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  m_count.fetch_add(1, std::memory_order_relaxed);
  m_sum_ms.fetch_add(static_cast<std::uint64_t>(seconds * 1000), std::memory_order_relaxed);
}

void
MetricsPage::family(std::string_view name, std::string_view type, std::string_view help)
{
  m_text.append("# HELP ").append(name).append(" ").append(help).append("\n");
  m_text.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void
MetricsPage::sample(std::string_view name, std::string_view labels, std::int64_t value)
{
  m_text.append(series(name, labels)).append(" ").append(std::to_string(value)).append("\n");
}

void
MetricsPage::sample(std::string_view name, std::string_view labels, std::uint64_t value)
{
  m_text.append(series(name, labels)).append(" ").append(std::to_string(value)).append("\n");
}

void
MetricsPage::sample(std::string_view name, std::string_view labels, const Histogram& histogram)
{
  const std::string prefix = labels.empty() ? "" : std::string(labels) + ",";
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= Histogram::k_bounds.size(); ++i) {
    cumulative += histogram.m_buckets[i].load(std::memory_order_relaxed);
    const std::string bound = i < Histogram::k_bounds.size()
                                ? std::to_string(static_cast<int>(Histogram::k_bounds[i]))
                                : "+Inf";
    std::string bucket_labels = prefix;
    bucket_labels.append("le=\"").append(bound).append("\"");
    sample(bucket, bucket_labels, cumulative);
  }
  const double sum_seconds =
    static_cast<double>(histogram.m_sum_ms.load(std::memory_order_relaxed)) / 1000.0;
  m_text.append(series(std::string(name) + "_sum", labels))
    .append(" ")
    .append(std::to_string(sum_seconds))
    .append("\n");
  sample(std::string(name) + "_count", labels, histogram.m_count.load(std::memory_order_relaxed));
}

} // namespace reactor::util
