#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace reactor::util {

// Process-wide counters for GET /metrics (Prometheus text format). Updated with relaxed
// atomics: no lock on any hot path.
struct Histogram
{
  // Upper bounds in seconds; the last bucket is +Inf.
  static constexpr std::array<double, 9> k_bounds{ 1, 5, 10, 30, 60, 120, 300, 600, 1800 };
  std::array<std::atomic<std::uint64_t>, k_bounds.size() + 1> buckets{};
  std::atomic<std::uint64_t> count{ 0 };
  std::atomic<std::uint64_t> sum_ms{ 0 };

  void observe_seconds(double seconds);
  // The histogram's lines, named `name` with the extra label text (e.g. phase="build").
  void render(std::string& out, std::string_view name, std::string_view labels) const;
};

struct Metrics
{
  // Edge responses and body bytes by status class (index 1 = 1xx … 5 = 5xx).
  std::array<std::atomic<std::uint64_t>, 6> edge_requests{};
  std::array<std::atomic<std::uint64_t>, 6> edge_bytes{};
  std::atomic<std::uint64_t> edge_memory_hits{ 0 };
  std::atomic<std::uint64_t> edge_memory_misses{ 0 };
  std::atomic<std::int64_t> websocket_connections{ 0 };
  std::atomic<std::uint64_t> leases_expired{ 0 };
  std::atomic<std::uint64_t> gc_blobs_deleted{ 0 };
  std::atomic<std::uint64_t> gc_bytes_freed{ 0 };
  Histogram build_seconds;
  std::array<Histogram, 4> phase_seconds; // cloning, installing, building, uploading
};

Metrics& metrics();

} // namespace reactor::util
