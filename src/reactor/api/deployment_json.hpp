#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/store/metadata_store.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace reactor::api {

// A deployment as GET /deployments/<id> shows it (DESIGN.md wire protocol), its URL and
// those of `aliases` (its project's) that point at it made from `url_template`; of the
// build variables (settings.env) only the names, sorted. While it waits in the queue,
// `queued` gives its "queuePosition" and "queueReason" (null otherwise).
boost::json::object deployment_json(const core::Deployment& deployment,
                                    std::string_view url_template,
                                    std::span<const store::Alias> aliases,
                                    const std::optional<store::QueuePlace>& queued = std::nullopt);

// Why a queued deployment waits, in a few words: "waiting for a free worker (2 builds
// running, 1 deployment ahead)".
std::string queue_reason(const store::QueuePlace& place);

// "{id}" in the template replaced by the id.
std::string site_url(std::string_view url_template, std::string_view id);

// Milliseconds since the epoch as ISO 8601 UTC: "2026-11-26T01:10:33.123Z".
std::string iso8601(std::int64_t epoch_ms);

} // namespace reactor::api
