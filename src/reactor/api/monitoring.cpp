#include "reactor/api/handlers.hpp"
#include "reactor/util/metrics.hpp"

namespace reactor::api {

net::Response
metrics_page(ApiContext& context)
{
  auto counts = context.store.counts();
  if (!counts) {
    return store_failure(counts.error());
  }
  util::MetricsPage page;
  page.family("reactor_deployments", "gauge", "Deployments by status.");
  std::int64_t jobs = 0;
  std::int64_t dead = 0;
  for (const auto& [key, value] : *counts) {
    if (key.starts_with("status:")) {
      page.sample("reactor_deployments", "status=\"" + key.substr(7) + "\"", value);
    } else if (key == "jobs") {
      jobs = value;
    } else if (key == "dead_letters") {
      dead = value;
    }
  }
  page.family("reactor_queue_depth", "gauge", "Build jobs queued or running.");
  page.sample("reactor_queue_depth", "", jobs);
  page.family("reactor_dead_letters", "gauge", "Builds in the dead-letter queue.");
  page.sample("reactor_dead_letters", "", dead);
  if (context.render_metrics) {
    context.render_metrics(page);
  }
  net::Response response;
  response.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  response.headers.emplace_back("Cache-Control", "no-store");
  response.body = page.text();
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
