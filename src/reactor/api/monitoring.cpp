#include "reactor/api/handlers.hpp"
#include "reactor/util/metrics.hpp"

namespace reactor::api {

namespace {

void
line(std::string& out, std::string_view name, std::string_view labels, std::int64_t value)
{
  out += name;
  if (!labels.empty()) {
    out += "{";
    out += labels;
    out += "}";
  }
  out += " " + std::to_string(value) + "\n";
}

void
help(std::string& out, std::string_view name, std::string_view type, std::string_view text)
{
  out += "# HELP " + std::string(name) + " " + std::string(text) + "\n# TYPE " + std::string(name) +
         " " + std::string(type) + "\n";
}

// A metric without labels: its help, type and value.
void
single(std::string& out,
       std::string_view name,
       std::string_view type,
       std::string_view text,
       std::int64_t value)
{
  help(out, name, type, text);
  line(out, name, "", value);
}

} // namespace

net::Response
metrics_page(ApiContext& context)
{
  auto counts = context.store.counts();
  if (!counts) {
    return store_failure(counts.error());
  }
  const auto& metrics = util::metrics();
  std::string out;
  help(out, "reactor_deployments", "gauge", "Deployments by status.");
  std::int64_t jobs = 0;
  std::int64_t dead = 0;
  for (const auto& [key, value] : *counts) {
    if (key.starts_with("status:")) {
      line(out, "reactor_deployments", "status=\"" + key.substr(7) + "\"", value);
    } else if (key == "jobs") {
      jobs = value;
    } else if (key == "dead_letters") {
      dead = value;
    }
  }
  single(out, "reactor_queue_depth", "gauge", "Build jobs queued or running.", jobs);
  single(out, "reactor_dead_letters", "gauge", "Builds in the dead-letter queue.", dead);
  single(out,
         "reactor_leases_expired_total",
         "counter",
         "Jobs leased again after a lease expired.",
         static_cast<std::int64_t>(metrics.leases_expired.load()));
  single(out,
         "reactor_gc_blobs_deleted_total",
         "counter",
         "Unreferenced blobs deleted.",
         static_cast<std::int64_t>(metrics.gc_blobs_deleted.load()));
  single(out,
         "reactor_gc_bytes_freed_total",
         "counter",
         "Bytes of the deleted blobs.",
         static_cast<std::int64_t>(metrics.gc_bytes_freed.load()));
  single(out,
         "reactor_websocket_connections",
         "gauge",
         "Open WebSocket connections.",
         metrics.websocket_connections.load());
  help(out, "reactor_edge_requests_total", "counter", "Site requests by status class.");
  help(out, "reactor_edge_bytes_total", "counter", "Site response body bytes by status class.");
  for (std::size_t i = 1; i < metrics.edge_requests.size(); ++i) {
    const std::string labels = "code=\"" + std::to_string(i) + "xx\"";
    line(out,
         "reactor_edge_requests_total",
         labels,
         static_cast<std::int64_t>(metrics.edge_requests[i].load()));
    line(out,
         "reactor_edge_bytes_total",
         labels,
         static_cast<std::int64_t>(metrics.edge_bytes[i].load()));
  }
  help(out,
       "reactor_edge_cache_requests_total",
       "counter",
       "Site requests served from memory (hit) or loaded first (miss).");
  line(out,
       "reactor_edge_cache_requests_total",
       "result=\"hit\"",
       static_cast<std::int64_t>(metrics.edge_memory_hits.load()));
  line(out,
       "reactor_edge_cache_requests_total",
       "result=\"miss\"",
       static_cast<std::int64_t>(metrics.edge_memory_misses.load()));
  help(out, "reactor_build_duration_seconds", "histogram", "Builds, lease to final status.");
  metrics.build_seconds.render(out, "reactor_build_duration_seconds", "");
  help(out, "reactor_phase_duration_seconds", "histogram", "Build phases.");
  constexpr std::array<std::string_view, 4> k_phases{
    "cloning", "installing", "building", "uploading"
  };
  for (std::size_t i = 0; i < k_phases.size(); ++i) {
    metrics.phase_seconds[i].render(
      out, "reactor_phase_duration_seconds", "phase=\"" + std::string(k_phases[i]) + "\"");
  }
  net::Response response;
  response.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  response.headers.emplace_back("Cache-Control", "no-store");
  response.body = std::move(out);
  return response;
}

net::Response
readiness(ApiContext& context)
{
  if (auto counts = context.store.counts(); !counts) {
    return net::json_error(503, "The metadata store is not reachable: " + counts.error().message);
  }
  if (context.objects != nullptr) {
    if (auto probe = context.objects->exists("readyz-probe"); !probe) {
      return net::json_error(503, "The object store is not reachable: " + probe.error().message);
    }
  }
  return net::json_response(200, R"({"status":"ready"})");
}

} // namespace reactor::api
