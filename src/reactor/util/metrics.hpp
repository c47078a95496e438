#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace reactor::util {

// Generic instruments for GET /metrics. Each module owns its own (its `metrics.hpp`);
// app/metrics names them on the page. Updated with relaxed atomics: no lock on any hot
// path.

// A count that only goes up.
class Counter
{
public:
  void add(std::uint64_t amount = 1) noexcept
  {
    m_value.fetch_add(amount, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> m_value{ 0 };
};

// A level that goes up and down.
class Gauge
{
public:
  void add(std::int64_t amount) noexcept { m_value.fetch_add(amount, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
  std::atomic<std::int64_t> m_value{ 0 };
};

// Durations in seconds, in fixed buckets.
class Histogram
{
public:
  // Upper bounds in seconds; the last bucket is +Inf.
  static constexpr std::array<double, 9> k_bounds{ 1, 5, 10, 30, 60, 120, 300, 600, 1800 };

  void observe_seconds(double seconds) noexcept;

private:
  friend class MetricsPage;
  std::array<std::atomic<std::uint64_t>, k_bounds.size() + 1> m_buckets{};
  std::atomic<std::uint64_t> m_count{ 0 };
  std::atomic<std::uint64_t> m_sum_ms{ 0 };
};

// The Prometheus text format (version 0.0.4), written one family at a time.
class MetricsPage
{
public:
  // A family's HELP and TYPE lines; its samples follow.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample; `labels` is the text between the braces (e.g. status="QUEUED").
  void sample(std::string_view name, std::string_view labels, std::int64_t value);
  void sample(std::string_view name, std::string_view labels, std::uint64_t value);
  // A histogram's bucket, sum and count lines.
  void sample(std::string_view name, std::string_view labels, const Histogram& histogram);

  const std::string& text() const { return m_text; }

private:
  std::string m_text;
};

} // namespace reactor::util
