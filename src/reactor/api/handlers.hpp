#pragma once

// Internal to api/: one function per endpoint, each a thin layer over the store or hub.

#include "reactor/api/api.hpp"
#include "reactor/core/project_env.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <expected>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::api {

net::Response create_deployment(const net::Request& request, ApiContext& context);
// Gives the deployment an id, stores it with its job and wakes the workers: 202.
net::Response enqueue_deployment(core::Deployment deployment,
                                 const net::Request& request,
                                 ApiContext& context);
net::Response get_deployment(std::string_view id, ApiContext& context);
net::Response list_deployments(const net::Request& request, ApiContext& context);
net::Response cancel_deployment(std::string_view id, ApiContext& context);
// Deletes a finished deployment: its record, events and manifest (its blobs go at the next
// garbage collection); 409 while it is queued or building.
net::Response delete_deployment(std::string_view id, ApiContext& context);

// Server-Sent Events of one deployment, resuming after Last-Event-ID (or ?since=).
net::Response stream_events(std::string_view id, const net::Request& request, ApiContext& context);
// Server-Sent Events of a project: its deployments' status changes and its aliases'
// moves (ALIAS_UPDATE), resuming after Last-Event-ID (or ?since=); live only without.
net::Response stream_project_events(std::string_view name,
                                    const net::Request& request,
                                    ApiContext& context);
// The build log as text; with ?follow=1, streamed until the build ends.
net::Response get_logs(std::string_view id, const net::Request& request, ApiContext& context);

// Projects (projects.cpp): POST /projects (201; 400 bad field, 422 bad name or value, 409
// taken), GET /projects, GET|DELETE /projects/<name>, PATCH /projects/<name> (400 bad
// field, 422 bad value), POST /projects/<name>/deployments {"ref"?},
// GET /projects/<name>/deployments?branch=, POST /projects/<name>/promote
// {"deploymentId"} and /rollback {"deploymentId"?} (one compare-and-set: 409 when
// production changed meanwhile, 422 when the target is not a DEPLOYED deployment of it).
net::Response create_project(const net::Request& request, ApiContext& context);
net::Response list_projects(ApiContext& context);
net::Response get_project(std::string_view name, ApiContext& context);
net::Response update_project(std::string_view name,
                             const net::Request& request,
                             ApiContext& context);
net::Response delete_project(std::string_view name, ApiContext& context);
net::Response deploy_project(std::string_view name,
                             const net::Request& request,
                             ApiContext& context);
net::Response list_project_deployments(std::string_view name,
                                       const net::Request& request,
                                       ApiContext& context);
// What to build of a project.
struct BuildTarget
{
  std::string branch;     // "": the production branch
  std::string commit;     // "": the branch's head when the build clones it
  int pull_request = 0;   // > 0: a preview of that pull request (its alias only)
  bool from_fork = false; // a pull request's from a fork: none of the project's variables
};
// The deployment that builds the target: a snapshot of the project's settings and of the
// variables of its scope (a pull request's is preview), and the digest of both.
util::Result<core::Deployment> project_deployment(const core::Project& project,
                                                  const BuildTarget& target,
                                                  ApiContext& context);
// Queues project_deployment's deployment: 202 with it.
net::Response build_project(const core::Project& project,
                            const BuildTarget& target,
                            const net::Request& request,
                            ApiContext& context);
net::Response promote(std::string_view name, const net::Request& request, ApiContext& context);

// Custom domains (domains.cpp): POST /projects/<name>/domains {"domain"} (202 pending_dns
// with what the DNS needs; 409 when a project has it; 422 for no usable domain), GET of
// the same (each with its state: pending_dns, issuing (ACME's certificate still to come)
// or active, and what to fix), DELETE /projects/<name>/domains/<domain> (204).
net::Response add_custom_domain(std::string_view project,
                                const net::Request& request,
                                ApiContext& context);
net::Response list_custom_domains(std::string_view project, ApiContext& context);
net::Response remove_custom_domain(std::string_view project,
                                   std::string_view domain,
                                   ApiContext& context);

// Deploy hooks (deploy_hooks.cpp): POST /projects/<name>/deploy-hooks {"name", "branch"?}
// (201 with the token, shown this once; 409 for a name taken), GET of the same (names and
// branches), DELETE /projects/<name>/deploy-hooks/<hook> (204), and POST
// /deploy-hooks/<token>, which builds the hook's branch (202; 404 for a token no hook has).
net::Response create_deploy_hook(std::string_view project,
                                 const net::Request& request,
                                 ApiContext& context);
net::Response list_deploy_hooks(std::string_view project, ApiContext& context);
net::Response delete_deploy_hook(std::string_view project,
                                 std::string_view name,
                                 ApiContext& context);
net::Response run_deploy_hook(std::string_view token,
                              const net::Request& request,
                              ApiContext& context);
net::Response rollback(std::string_view name, const net::Request& request, ApiContext& context);

// Git webhooks (webhooks.cpp): POST /hooks/<provider>/<project>, signed with the project's
// secret (202 with the deployment a push or pull request queued; 200 with "result" for a
// ping, an ignored event, a redelivery or a dropped alias; 401 unsigned or signed wrong; 400
// a body the provider would not send), GET /projects/<name>/webhook (the paths per
// provider, whether a secret is set) and POST /projects/<name>/webhook/secret (a new
// secret, shown this once: 201).
net::Response receive_webhook(std::string_view provider,
                              std::string_view project,
                              const net::Request& request,
                              ApiContext& context);
net::Response get_webhook(std::string_view project, ApiContext& context);
net::Response rotate_webhook_secret(std::string_view project, ApiContext& context);
// Makes and stores a new webhook secret for the project; fails without a secrets key.
util::Result<std::string> new_webhook_secret(std::string_view project, ApiContext& context);
// {"github": "/hooks/github/<project>", ...}
boost::json::object webhook_paths(std::string_view project);

// Notifications (notifications.cpp): POST /projects/<name>/notifications {"url", "events"?}
// (201 with the signing secret, shown this once; 400 for a URL or event it cannot take),
// GET of the same (the endpoints and the latest deliveries with their answers), DELETE
// /projects/<name>/notifications/<id> (204).
net::Response add_notification_endpoint(std::string_view project,
                                        const net::Request& request,
                                        ApiContext& context);
net::Response list_notifications(std::string_view project, ApiContext& context);
net::Response delete_notification_endpoint(std::string_view project,
                                           std::string_view id,
                                           ApiContext& context);
// Queues a `type` notification of the deployment to its project's endpoints that asked
// for it (promoted, rolled_back, deleted: the API's own changes; the change feed's status
// changes are the notifier's). A failure is logged: what it reports has happened.
void notify(std::string_view type, const core::Deployment& deployment, ApiContext& context);

// Project variables (project_env.cpp): GET /projects/<name>/env (names, scopes, updatedAt;
// never values), PUT /projects/<name>/env/<NAME> {"value", "scopes"?} (201 created, 200
// replaced; 400 bad name or body), DELETE /projects/<name>/env/<NAME> (204; 404 absent).
net::Response list_env(std::string_view project, ApiContext& context);
net::Response set_env(std::string_view project,
                      std::string_view name,
                      const net::Request& request,
                      ApiContext& context);
net::Response delete_env(std::string_view project, std::string_view name, ApiContext& context);
// [{name, scopes, updatedAt}] of the variables, as the project's JSON shows them.
boost::json::array env_json(const std::vector<core::EnvVariable>& variables);

// Prometheus text exposition of the store's counts and the process's counters.
net::Response metrics_page(ApiContext& context);
// 200 when the metadata store and the object store answer, else 503.
net::Response readiness(ApiContext& context);

// The aliases of the projects one answer shows deployments of, each project's read once.
class AliasLookup
{
public:
  explicit AliasLookup(ApiContext& context)
    : m_context(context)
  {
  }

  // The aliases of the deployment's project (none outside projects).
  util::Result<std::span<const store::Alias>> of(const core::Deployment& deployment);

private:
  ApiContext& m_context;
  std::map<std::string, std::vector<store::Alias>, std::less<>> m_by_project;
};

// A deployment's JSON (deployment_json) with its aliases, and its place in the queue while
// it waits for a worker.
util::Result<boost::json::object> deployment_view(const core::Deployment& deployment,
                                                  AliasLookup& aliases,
                                                  ApiContext& context);

// Shared answers.
net::Response store_failure(const util::Error& error);
net::Response unknown_deployment(std::string_view id);
net::Response unknown_project(std::string_view name);
// The project, or the answer to give instead (404, or the store's failure).
std::expected<core::Project, net::Response> find_project(std::string_view name,
                                                         ApiContext& context);

// GET /admin/dead-letters: {"deadLetters": [{deploymentId, receives, reason, deadAt}]}.
net::Response list_dead_letters(ApiContext& context);
// POST /admin/dead-letters/<id>/redrive: queues the build again and answers 202 with the
// deployment (PENDING again); 404 when the deployment has no dead letter.
net::Response redrive_dead_letter(std::string_view id, ApiContext& context);

// POST /admin/gc[?dryRun=1]: collects garbage now and answers what went (or would go).
net::Response collect_garbage(const net::Request& request, ApiContext& context);

} // namespace reactor::api
