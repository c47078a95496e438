#pragma once

// How the client shows what the server answered: times, durations, tables, and the JSON
// that --json prints. Plain text in, plain text out; the commands print it.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::cli {

// "2026-11-26T01:10:33.123Z" as "2026-11-26 01:10:33"; other text as it is.
std::string short_time(std::string text);

// A field as text: "" when absent or null, a string as it is, anything else as JSON.
std::string text_of(const boost::json::object& object, std::string_view name);

// One line per row, each ending with a line end; columns padded to their widest cell,
// two spaces apart. The last column is not padded.
std::string table(const std::vector<std::vector<std::string>>& rows);

// How long a deployment's build took: the phases its build info measured, summed, as
// "12.3 s"; "-" before any was measured.
std::string build_duration(const boost::json::object& deployment);

// `reactor ls`: a header, then a row per deployment of the API's list (what is not an
// object is skipped): id, status, phase, build duration, creation time, URL, repository.
std::string deployments_table(const boost::json::array& deployments);

// `reactor status`: one deployment's fields, a line each; "-" for those not set, and the
// queue line only while it waits for a worker.
std::string deployment_fields(const boost::json::object& deployment);

// `reactor project ls`: a header, then a row per project: name, production URL, the
// deployment it serves, the production branch, the repository.
std::string projects_table(const boost::json::array& projects);

// `reactor project show`: the project's fields, then a line per hostname it serves and one
// per variable (env_table).
std::string project_fields(const boost::json::object& project);

// `reactor env ls`: a header, then a row per variable: name, scopes, when it was set.
std::string env_table(const boost::json::array& variables);

// `reactor deploy-hook ls`: a header, then a row per hook: name, branch, when it was made.
std::string deploy_hooks_table(const boost::json::array& hooks);
// RECEIVED, FROM, EVENT, ANSWER (status and result), BUILD: a project's Git webhook
// deliveries.
std::string webhook_deliveries_table(const boost::json::array& deliveries);
// DOMAIN, STATE, and what to fix while it waits for its DNS.
std::string domains_table(const boost::json::array& domains);
// The DNS records a custom domain needs, one "  CNAME  <target>" line (and one for the
// A/AAAA alternative when the server has public addresses).
std::string domain_records(const boost::json::object& domain);
// A project's notification endpoints, and its latest notifications with their answers.
std::string notification_endpoints_table(const boost::json::array& endpoints);
std::string notifications_table(const boost::json::array& notifications);

// A queued deployment's place and why it waits: "#2, waiting for a free worker (1 build
// running, 1 deployment ahead)"; empty when it is not waiting in the queue.
std::string queue_place(const boost::json::object& deployment);

// `reactor dlq ls`: a header, then a row per dead letter of the API's list (what is not an
// object is skipped).
std::string dead_letters_table(const boost::json::array& letters);

// `reactor gc`: what the collection of the answer deleted (with `dry_run`, would delete),
// on one line without a line end.
std::string gc_summary(const boost::json::object& answer, bool dry_run);

// `reactor logs --json`: {"id": …, "lines": […]}, the log split at its line ends.
std::string log_json(std::string_view id, std::string_view log);

// What --json prints for a failure the API did not explain: {"error": "…"}.
std::string error_json(std::string_view message);

// JSON as --json prints it: with a line end at the end, added when missing.
std::string json_line(std::string_view json);

} // namespace reactor::cli
