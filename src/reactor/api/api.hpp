#pragma once

#include "reactor/api/access.hpp"
#include "reactor/gc/collector.hpp"
#include "reactor/hub/hub.hpp"
#include "reactor/net/http_message.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"

#include <functional>
#include <string>

namespace reactor::api {

struct ApiContext
{
  store::MetadataStore& store;
  hub::Hub& hub;
  // Where a deployment's site is served: "{id}" is replaced by its id.
  std::string site_url_template;
  bool allow_local_repos = false;
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
  // Runs POST /admin/gc; nullptr: the call answers 503.
  gc::Collector* collector = nullptr;
};

// Answers a REST request (blocking: reads and writes the store).
net::Response handle(const net::Request& request, ApiContext& context);

} // namespace reactor::api
