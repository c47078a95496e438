#pragma once

#include "reactor/core/custom_domain.hpp"
#include "reactor/core/deploy_hook.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/core/notification.hpp"
#include "reactor/core/project.hpp"
#include "reactor/core/project_env.hpp"
#include "reactor/util/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::store {

using util::Result;

// A leased build job. The lease token proves ownership until the lease expires.
struct Job
{
  std::int64_t id = 0;
  std::string deployment_id;
  int receives = 0; // how many times this job has been leased, this lease included
  std::string lease_token;
};

struct DeadLetter
{
  std::string deployment_id;
  int receives = 0;
  std::string reason;
  std::int64_t dead_at_ms = 0;
};

enum class HookWrite
{
  created,
  name_taken,
  unknown_project,
};

enum class DomainWrite
{
  created,
  taken, // by this project or another
  unknown_project,
};

enum class EnvWrite
{
  created,
  updated,
  unknown_project,
};

enum class DeleteOutcome
{
  deleted,
  unknown,
  busy,    // not final yet, or its build is still winding down
  aliased, // a project's alias serves it: promote another deployment first
};

enum class ProjectUpdate
{
  updated,
  missing, // no project has this name
  changed, // someone changed it since the caller read it: nothing was written
};

struct DeploymentStatus
{
  std::string id;
  core::Status status = core::Status::pending;
};

// A Git webhook delivery a project received, and how it was answered.
struct WebhookDelivery
{
  std::string provider; // "github", "gitlab", "gitea"
  std::string delivery_id;
  std::string event;         // as the provider names it: "push", "Merge Request Hook", …
  int status = 0;            // the HTTP status answered; 0 while it is handled
  std::string result;        // "pong", "duplicate", "ignored: <why>", "queued", an error, …
  std::string deployment_id; // the build it queued or matched; "" for none
  std::int64_t received_at_ms = 0;
};

// A hostname label of a project and the deployment it serves.
struct Alias
{
  std::string label;  // "<project>" (production) or "<project>--<branch slug>"
  std::string branch; // "" for the production alias
  std::string deployment_id;
};

// One move of an alias: the deployment that held it until then.
struct AliasHeld
{
  std::string label;
  std::string deployment_id;
  std::int64_t until_ms = 0;
};

// A notification of a project's event to one of its endpoints, and how sending it went.
struct Notification
{
  std::string id; // the webhook-id header: "msg_" and 24 hex digits
  std::string endpoint_id;
  std::string project;
  std::string type;
  std::string body;
  std::string state = "pending"; // pending, delivered, failed (retries spent), stopped (410)
  int attempts = 0;
  std::int64_t next_at_ms = 0;
  std::int64_t last_status = 0; // the last answer's HTTP status; 0: none
  std::string last_error;
  std::int64_t last_at_ms = 0;
  std::int64_t created_at_ms = 0;
};

// A notification leased for sending, with where it goes.
struct NotificationSend
{
  Notification notification;
  std::string url;
  std::string sealed_secret;
  std::int64_t order = 0; // when it was queued, among those queued at once
};

// Where the change feed's events were turned into notifications up to: `from` as read
// (nullopt: never yet), moved to `to` only if no other node moved it meanwhile.
struct CursorMove
{
  std::optional<std::int64_t> from;
  std::int64_t to = 0;
};

// Where a job waiting in the queue stands.
struct QueuePlace
{
  std::int64_t position = 1; // 1: the next job a worker leases
  std::int64_t running = 0;  // jobs leased now, by the workers of every process
};

// Counts for monitoring: "status:<STATUS>" per deployment status, "jobs" (queued or
// running), "dead_letters".
using StoreCounts = std::vector<std::pair<std::string, std::int64_t>>;

// The query every backend runs for counts(): plain SQL that SQLite and PostgreSQL share.
constexpr std::string_view k_counts_query =
  "SELECT 'status:' || status, COUNT(*) FROM deployments GROUP BY status "
  "UNION ALL SELECT 'jobs', COUNT(*) FROM jobs "
  "UNION ALL SELECT 'dead_letters', COUNT(*) FROM dead_letters";

// After this many leases without an ack, a job moves to the dead-letter queue.
constexpr int k_max_receives = 3;

// Milliseconds since the epoch, as a store reads the time: its timestamps and lease
// deadlines. Tests give a store a clock they advance instead of waiting.
using Clock = std::function<std::int64_t()>;

// The wall clock: every store's own unless it is given another.
inline std::int64_t
wall_clock_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// Deployments, their build queue, dead letters and the change feed (status and log
// events). Every method is safe to call from any thread.
enum class CertificateState
{
  issuing, // no certificate yet, an order due or under way
  active,  // a certificate is served (and renewed when due)
  error,   // the last order failed: last_error says why, next_attempt_ms when it is retried
};

// A certificate Reactor obtains over ACME, stored under its first name.
struct ManagedCertificate
{
  std::vector<std::string> names; // the first one is its key; "*.<domain>" for a wildcard
  CertificateState state = CertificateState::issuing;
  std::string chain_pem;  // PEM, leaf first; empty until the first issuance
  std::string sealed_key; // its private key, sealed with the secrets key
  std::int64_t not_before_ms = 0;
  std::int64_t not_after_ms = 0;
  std::string last_error;
  std::int64_t next_attempt_ms = 0;      // when an order is due (renewal or retry)
  std::vector<std::int64_t> failures_ms; // when the last failed orders ended, oldest first
  std::int64_t updated_at_ms = 0;        // set by the store when saved
};

// The ACME account Reactor uses with one directory (CA).
struct AcmeAccount
{
  std::string directory;
  std::string url;        // the account's URL, the `kid` of its requests
  std::string sealed_key; // its private key, sealed with the secrets key
};

class MetadataStore
{
public:
  virtual ~MetadataStore() = default;

  // Inserts the deployment as PENDING (with its variables' snapshot), its job and its
  // first status event in one transaction. Fails if the id exists.
  virtual Result<void> create_deployment(const core::Deployment& deployment) = 0;

  // nullopt when no deployment has this id.
  virtual Result<std::optional<core::Deployment>> find_deployment(std::string_view id) = 0;

  // Newest first, at most `limit`.
  virtual Result<std::vector<core::Deployment>> list_deployments(int limit) = 0;

  // Applies the change and appends its status event in one transaction. Returns false
  // (and changes nothing) when the deployment is unknown or already final.
  virtual Result<bool> update_status(const core::StatusChange& change) = 0;

  // Records the commit a deployment's clone resolved, with no event (its next status
  // change carries it), so that a build of the same commit finds this one at once.
  virtual Result<void> record_commit(std::string_view id, std::string_view commit) = 0;

  // Appends build-log lines as log events, in order, in one transaction.
  virtual Result<void> append_logs(std::string_view deployment_id,
                                   std::span<const std::string> lines) = 0;

  // Events with seq > after, ascending, at most `limit`; an empty id means every deployment.
  virtual Result<std::vector<core::Event>> events_after(std::int64_t after,
                                                        std::string_view deployment_id,
                                                        int limit) = 0;

  // Status changes of the project's deployments and moves of its aliases with seq > after,
  // ascending, at most `limit`: what a project's page follows.
  virtual Result<std::vector<core::Event>> project_events_after(std::int64_t after,
                                                                std::string_view project,
                                                                int limit) = 0;

  // Deletion tombstones and alias moves with seq > after, ascending, at most `limit`: the
  // part of the feed an edge node needs, without every build log line.
  virtual Result<std::vector<core::Event>> edge_events_after(std::int64_t after, int limit) = 0;

  // The highest event seq so far (0 when there is none).
  virtual Result<std::int64_t> last_event_seq() = 0;

  // Leases the oldest visible job for `lease`, counting a receive. A job already
  // received k_max_receives times moves to the dead-letter queue instead and its
  // deployment becomes ERROR, in one transaction. nullopt when none is visible.
  virtual Result<std::optional<Job>> lease_job(std::chrono::milliseconds lease) = 0;

  // Pushes the lease's expiry to now + lease. False when the lease was lost.
  virtual Result<bool> extend_lease(const Job& job, std::chrono::milliseconds lease) = 0;

  // Applies the final change and deletes the job in one transaction, only while the
  // lease is still held. False (nothing changed) when the lease was lost. A project's
  // deployment reaching DEPLOYED moves its branch's alias, and production's when it built
  // the production branch and the project promotes automatically, in the same transaction
  // (with an alias event and a history entry each); an alias never moves back to an
  // older deployment.
  virtual Result<bool> finish_job(const Job& job, const core::StatusChange& change) = 0;

  // Makes a leased job visible again at once without counting the receive (graceful
  // shutdown hands running builds back).
  virtual Result<void> release_job(const Job& job) = 0;

  // The place of the deployment's job while it waits to be leased; nullopt when it has no
  // job waiting (leased, finished or unknown).
  virtual Result<std::optional<QueuePlace>> queue_place(std::string_view deployment_id) = 0;

  virtual Result<std::vector<DeadLetter>> list_dead_letters() = 0;

  // Deployments by status, queue depth and dead letters (also a readiness probe).
  virtual Result<StoreCounts> counts() = 0;

  // Moves a dead letter back to the queue with a fresh receive count and sets the
  // deployment PENDING again. False when the deployment has no dead letter.
  virtual Result<bool> redrive(std::string_view deployment_id) = 0;

  // Deletes a final deployment with its events, dead letter, left-over job and alias
  // history, in one
  // transaction; `busy` (nothing changed) while it is not final or a worker still holds
  // its job's lease (a canceled build stopping), `aliased` while an alias serves it.
  virtual Result<DeleteOutcome> delete_deployment(std::string_view id) = 0;

  // The id and status of every deployment, in no particular order (the garbage sweep's
  // view of what exists).
  virtual Result<std::vector<DeploymentStatus>> deployment_statuses() = 0;

  // Inserts the project; false (nothing changed) when the name is taken.
  virtual Result<bool> create_project(const core::Project& project) = 0;

  // nullopt when no project has this name.
  virtual Result<std::optional<core::Project>> find_project(std::string_view name) = 0;

  // Every project, by name.
  virtual Result<std::vector<core::Project>> list_projects() = 0;

  // Writes every field of `updated` but its name and creation time, and appends a project
  // event (edges read its protection and skew settings again), in one transaction, only
  // while the stored project still equals `expected` (what the caller read and changed):
  // a compare-and-set, so neither another change nor a rollback's autoPromote is lost.
  virtual Result<ProjectUpdate> update_project(const core::Project& expected,
                                               const core::Project& updated) = 0;

  // Deletes the project, its variables, its aliases (an alias event each) and their
  // history, and appends
  // a project event, in one transaction; its deployments stay, served at their own
  // hostnames until garbage collection takes them, unless the project was protected:
  // then they are deleted in the same transaction (a tombstone each). `busy` while one of
  // them is not final.
  virtual Result<DeleteOutcome> delete_project(std::string_view name) = 0;

  // The project's deployments, newest first, at most `limit`.
  virtual Result<std::vector<core::Deployment>> list_project_deployments(std::string_view project,
                                                                         int limit) = 0;

  // The project's deployments of `commit` (resolved, or asked for as the ref) made from
  // the same inputs (core::inputs_digest) that are built or building, built first, then
  // oldest first: whose output a new build of them can reuse.
  virtual Result<std::vector<core::Deployment>> same_input_deployments(
    std::string_view project,
    std::string_view inputs_digest,
    std::string_view commit) = 0;

  // The project's aliases, by label.
  virtual Result<std::vector<Alias>> project_aliases(std::string_view project) = 0;

  // The deployment a hostname label of a project serves; nullopt for no alias.
  virtual Result<std::optional<std::string>> resolve_alias(std::string_view label) = 0;

  // Skew protection: the deployments that held the label's alias within its project's
  // skew window (until now), newest first, at most the project's skew maximum, without
  // the one it serves now. Empty for no alias or no window.
  virtual Result<std::vector<std::string>> skew_deployments(std::string_view label) = 0;

  // Every move of the project's aliases still recorded, newest first.
  virtual Result<std::vector<AliasHeld>> alias_history(std::string_view project) = 0;

  // Every deployment that belongs to a project, live or deleted, newest first.
  virtual Result<std::vector<core::Deployment>> project_owned_deployments() = 0;

  // Points the project's production alias at `deployment_id` (a DEPLOYED deployment of
  // it) only while it still points at `expected` ("" for none yet), sets the project's
  // automatic promotion to `auto_promote`, and appends the alias event and the move to the
  // alias's history, in one transaction. False (nothing changed) when the alias changed
  // meanwhile.
  virtual Result<bool> set_production(std::string_view project,
                                      std::string_view deployment_id,
                                      std::string_view expected,
                                      bool auto_promote) = 0;

  // Inserts or replaces the project's variable (its updated_at_ms, or the store's clock
  // when 0) and appends a project event, in one transaction; unknown_project (nothing
  // changed) when no project has this name.
  virtual Result<EnvWrite> set_env(std::string_view project, const core::EnvVariable& variable) = 0;

  // Deletes the project's variable and appends a project event, in one transaction; false
  // (nothing changed) when it has no variable of this name.
  virtual Result<bool> delete_env(std::string_view project, std::string_view name) = 0;

  // The project's variables, sealed values included, by name; empty for an unknown project.
  virtual Result<std::vector<core::EnvVariable>> project_env(std::string_view project) = 0;

  // The variables a deployment was created with (Deployment::env), by name; empty for none
  // or an unknown deployment.
  virtual Result<std::vector<core::EnvVariable>> deployment_env(std::string_view id) = 0;

  // Stores a new deploy hook (its created_at_ms, or the store's clock when 0); name_taken or
  // unknown_project (nothing stored) otherwise.
  virtual Result<HookWrite> create_deploy_hook(const core::DeployHook& hook) = 0;

  // The project's deploy hooks, by name; empty for an unknown project.
  virtual Result<std::vector<core::DeployHook>> project_deploy_hooks(std::string_view project) = 0;

  // The hook whose token has this hash (util::token_hash); nullopt for none.
  virtual Result<std::optional<core::DeployHook>> find_deploy_hook(std::string_view token_hash) = 0;

  // Deletes the project's hook; false when it has none of this name.
  virtual Result<bool> delete_deploy_hook(std::string_view project, std::string_view name) = 0;

  // Stores a new custom domain of a project (its created_at_ms, or the store's clock when
  // 0); taken or unknown_project (nothing stored) otherwise.
  virtual Result<DomainWrite> add_custom_domain(const core::CustomDomain& domain) = 0;
  // The domain's record, whichever project has it; nullopt for none.
  virtual Result<std::optional<core::CustomDomain>> find_custom_domain(std::string_view domain) = 0;
  // The project's custom domains, by domain.
  virtual Result<std::vector<core::CustomDomain>> project_custom_domains(
    std::string_view project) = 0;
  // Every custom domain in `state`, least recently checked first.
  virtual Result<std::vector<core::CustomDomain>> custom_domains_in(core::DomainState state) = 0;
  // Records a DNS check of the domain (state, last_error, checked_at_ms); a change of
  // state appends its project's event, so that edges read their domains again.
  virtual Result<void> record_domain_check(const core::CustomDomain& checked) = 0;
  // Removes the project's domain and the certificate obtained for it, with its project's
  // event; false when it has none such.
  virtual Result<bool> delete_custom_domain(std::string_view project, std::string_view domain) = 0;

  // Replaces the project's webhook secret, sealed; false when there is no such project.
  virtual Result<bool> set_webhook_secret(std::string_view project, std::string_view sealed) = 0;
  // The project's sealed webhook secret; nullopt when it has none.
  virtual Result<std::optional<std::string>> webhook_secret(std::string_view project) = 0;
  // Remembers a webhook delivery for 7 days: true the first time, false for a redelivery
  // (deliveries older than that are forgotten as this runs).
  virtual Result<bool> remember_delivery(std::string_view project,
                                         std::string_view provider,
                                         std::string_view delivery_id) = 0;
  // Records how a remembered delivery was answered (its event, status, result, build).
  virtual Result<void> record_delivery_answer(std::string_view project,
                                              const WebhookDelivery& answered) = 0;
  // The project's latest remembered deliveries, newest first, at most `limit`.
  virtual Result<std::vector<WebhookDelivery>> webhook_deliveries(std::string_view project,
                                                                  int limit) = 0;
  // Drops one of the project's aliases (a deleted branch's, a closed pull request's), with
  // its ALIAS event; false when it had none of that label.
  virtual Result<bool> drop_alias(std::string_view project, std::string_view label) = 0;

  // Adds a notification endpoint; false when there is no such project.
  virtual Result<bool> create_notification_endpoint(const core::NotificationEndpoint& endpoint) = 0;
  // The project's endpoints, oldest first.
  virtual Result<std::vector<core::NotificationEndpoint>> notification_endpoints(
    std::string_view project) = 0;
  // Removes an endpoint and what it still had to be sent; false when it has none of that id.
  virtual Result<bool> delete_notification_endpoint(std::string_view project,
                                                    std::string_view id) = 0;
  // How far the change feed was turned into notifications; nullopt before the first time.
  virtual Result<std::optional<std::int64_t>> notifier_cursor() = 0;
  // Adds notifications, due now. With `move`, only if the cursor is still at move.from, and
  // moves it to move.to in the same transaction (false, nothing added, when it was not:
  // another node turned those events into notifications).
  virtual Result<bool> add_notifications(const std::vector<Notification>& notifications,
                                         const std::optional<CursorMove>& move) = 0;
  // Leases up to `limit` due notifications no other sender holds, for `lease`.
  virtual Result<std::vector<NotificationSend>> lease_notifications(std::chrono::milliseconds lease,
                                                                    int limit) = 0;
  // Records an attempt's outcome (state, attempts, next_at_ms, last_*) and ends the lease.
  virtual Result<void> record_notification_attempt(const Notification& attempted) = 0;
  // The project's latest notifications, newest first.
  virtual Result<std::vector<Notification>> project_notifications(std::string_view project,
                                                                  int limit) = 0;

  // Every certificate obtained over ACME, by name.
  virtual Result<std::vector<ManagedCertificate>> certificates() = 0;
  // Inserts the certificate or replaces the one of the same first name (one statement).
  virtual Result<void> save_certificate(const ManagedCertificate& certificate) = 0;
  // The account registered with `directory`; nullopt when there is none yet.
  virtual Result<std::optional<AcmeAccount>> acme_account(std::string_view directory) = 0;
  // Stores the account unless its directory has one: false when another node stored one
  // first (read that one instead).
  virtual Result<bool> save_acme_account(const AcmeAccount& account) = 0;
  // Stores the key authorization every node answers an HTTP-01 `token` with.
  virtual Result<void> put_acme_challenge(std::string_view token,
                                          std::string_view key_authorization) = 0;
  // The key authorization of `token`; nullopt when no order is proving it.
  virtual Result<std::optional<std::string>> acme_challenge(std::string_view token) = 0;
  virtual Result<void> delete_acme_challenge(std::string_view token) = 0;
  // Deletes the answers stored before `before_ms`, which orders that never ended (a crash
  // mid-order) left behind; returns how many.
  virtual Result<int> sweep_acme_challenges(std::int64_t before_ms) = 0;
  // Takes the lease `name` for `holder` until now + `duration` when it is free, expired or
  // already the holder's (renewing it); true when the holder has it now.
  virtual Result<bool> take_lease(std::string_view name,
                                  std::string_view holder,
                                  std::chrono::milliseconds duration) = 0;
  // Ends the holder's lease; nothing when another holder has it.
  virtual Result<void> release_lease(std::string_view name, std::string_view holder) = 0;

  // Registers a callback run after every commit that appended events (from the
  // committing thread; keep it cheap). Call before the store is shared.
  virtual void on_change(std::function<void()> callback) = 0;
};

} // namespace reactor::store
