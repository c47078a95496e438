#include "reactor/app/metrics.hpp"

#include "reactor/builder/metrics.hpp"
#include "reactor/gc/metrics.hpp"
#include "reactor/net/metrics.hpp"

#include <string>
#include <string_view>

namespace reactor::app {

namespace {

void
counter(util::MetricsPage& page,
        std::string_view name,
        std::string_view help,
        const util::Counter& value)
{
  page.family(name, "counter", help);
  page.sample(name, "", value.value());
}

void
render_sites(util::MetricsPage& page)
{
  const auto& sites = site_metrics();
  page.family("reactor_edge_requests_total", "counter", "Site requests by status class.");
  page.family("reactor_edge_bytes_total", "counter", "Site response body bytes by status class.");
  for (std::size_t i = 1; i < sites.requests.size(); ++i) {
    const std::string labels = "code=\"" + std::to_string(i) + "xx\"";
    page.sample("reactor_edge_requests_total", labels, sites.requests[i].value());
    page.sample("reactor_edge_bytes_total", labels, sites.bytes[i].value());
  }
  page.family("reactor_edge_cache_requests_total",
              "counter",
              "Site requests served from memory (hit) or loaded first (miss).");
  page.sample("reactor_edge_cache_requests_total", "result=\"hit\"", sites.memory_hits.value());
  page.sample("reactor_edge_cache_requests_total", "result=\"miss\"", sites.memory_misses.value());
}

void
render_builds(util::MetricsPage& page)
{
  const auto& builds = builder::metrics();
  counter(page,
          "reactor_leases_expired_total",
          "Jobs leased again after a lease expired.",
          builds.leases_expired);
  page.family("reactor_build_duration_seconds", "histogram", "Builds, lease to final status.");
  page.sample("reactor_build_duration_seconds", "", builds.build_seconds);
  page.family("reactor_phase_duration_seconds", "histogram", "Build phases.");
  // The phases as the deployment's status names them.
  constexpr std::array<std::string_view, builder::Metrics::k_phases.size()> k_labels{
    "cloning", "installing", "building", "uploading"
  };
  for (std::size_t i = 0; i < k_labels.size(); ++i) {
    page.sample("reactor_phase_duration_seconds",
                "phase=\"" + std::string(k_labels[i]) + "\"",
                builds.phase_seconds[i]);
  }
}

} // namespace

SiteMetrics&
site_metrics()
{
  static SiteMetrics instance;
  return instance;
}

void
render_metrics(util::MetricsPage& page)
{
  const auto& collected = gc::metrics();
  counter(
    page, "reactor_gc_blobs_deleted_total", "Unreferenced blobs deleted.", collected.blobs_deleted);
  counter(
    page, "reactor_gc_bytes_freed_total", "Bytes of the deleted blobs.", collected.bytes_freed);
  page.family("reactor_websocket_connections", "gauge", "Open WebSocket connections.");
  page.sample("reactor_websocket_connections", "", net::metrics().websocket_connections.value());
  render_sites(page);
  render_builds(page);
}

} // namespace reactor::app
