#pragma once

#include "reactor/api/access.hpp"
#include "reactor/gc/collector.hpp"
#include "reactor/hub/hub.hpp"
#include "reactor/net/http_message.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"
#include "reactor/util/metrics.hpp"
#include "reactor/util/secret_box.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace reactor::api {

struct ApiContext
{
  store::MetadataStore& store;
  hub::Hub& hub;
  // Where a deployment's site is served: "{id}" is replaced by its id.
  std::string site_url_template;
  bool allow_local_repos = false;
  // Reads a repository's default branch, a new project's productionBranch when the request
  // names none (blocking, a bounded network call); nullptr: it stays empty.
  std::function<util::Result<std::string>(const std::string& repo_url)> default_branch;
  // Called after a deployment was enqueued (wakes local workers).
  std::function<void()> on_enqueued;
  // When set, calls that change state and /admin/ need "Authorization: Bearer <token>".
  std::string api_token;
  // Limits POST /deploy per client address; nullptr: unlimited.
  RateLimiter* deploy_limiter = nullptr;
  // Probed by /readyz, and where a deleted deployment's manifest is removed from.
  objects::ObjectStore* objects = nullptr;
  // Called after a deployment was deleted (drops its site from this process's edge).
  std::function<void(std::string_view)> on_deleted;
  // Adds the process's own instruments to GET /metrics, after the store's counts.
  std::function<void(util::MetricsPage&)> render_metrics;
  // Runs POST /admin/gc; nullptr: the call answers 503.
  gc::Collector* collector = nullptr;
  // Host names the API answers for besides loopback (api_host_names): other Host headers
  // get 421, and browsers' requests from other origins 403.
  std::vector<std::string> api_hosts;
  // Seals the values of project variables; nullptr: setting one answers 503.
  const util::SecretKey* secrets_key = nullptr;
  // The sites' domain (a project's production hostname is <project>.<site_domain>) and the
  // addresses A/AAAA records of a custom domain may name instead of a CNAME to it.
  std::string site_domain;
  std::vector<std::string> public_ips;
  // ACME orders a certificate for each active custom domain: one is "issuing" until it has it.
  bool orders_certificates = false;
};

// The refusal of a request the API must not answer: 421 for a Host it does not answer
// for (a DNS rebinding page), 403 for a state-changing call from a foreign Origin; nullopt
// when it may go on.
std::optional<net::Response> refuse_request(const net::Request& request, const ApiContext& context);

// 415 when a body the API reads as JSON is not declared application/json (a cross-site
// form or text/plain fetch); nullopt otherwise.
std::optional<net::Response> refuse_body(const net::Request& request);

// The largest body a request to `path` may send: 25 MB for a Git host's webhook (a push
// of many commits), net::k_default_max_body otherwise.
std::size_t max_body(std::string_view path);

// Answers a REST request (blocking: reads and writes the store).
net::Response handle(const net::Request& request, ApiContext& context);

} // namespace reactor::api
