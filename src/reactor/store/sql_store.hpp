#pragma once

// The metadata store written once for both SQL backends: every operation's control flow
// (the queue's leases, receives and dead letters, which status changes apply, deletion,
// reading rows into the model) over the Executor a backend lends it, running that
// backend's SQL. The backend keeps its dialect, its connections and its notifications.

#include "reactor/store/backend_support.hpp"
#include "reactor/store/metadata_store.hpp"

#include <functional>
#include <memory>
#include <string_view>

namespace reactor::store {

// A backend's SQL for each statement the store runs, in its dialect and placeholders:
// (the values bound, in order) → the columns a query returns.
struct Statements
{
  // (id) → id, repo_url, ref, status, phase, error, commit, created_at_ms,
  // updated_at_ms, settings, build_info, project, branch
  std::string_view select_deployment;
  // (limit) → the same columns, newest first
  std::string_view list_deployments;
  // (id) → status; no other transaction changes it until this one ends
  std::string_view status_for_update;
  // (id, repo_url, ref, status, commit, created_at_ms, updated_at_ms, settings, project,
  // branch); changes no row when the id exists
  std::string_view insert_deployment;
  // (id, status, phase, error, commit, updated_at_ms, build_info); an empty commit or
  // build_info keeps the one stored
  std::string_view update_deployment;
  // (id, commit)
  std::string_view record_commit;
  // (deployment_id, now): a job visible now
  std::string_view insert_job;
  // (now) → id, deployment_id, receives, its deployment's status: the oldest visible job,
  // a different one for each concurrent transaction
  std::string_view next_visible_job;
  // (job id, visible_at_ms, lease_token), counting a receive
  std::string_view lease_job;
  // (job id, lease_token, visible_at_ms)
  std::string_view extend_lease;
  // (job id, lease_token, now): visible now, the receive not counted
  std::string_view release_job;
  // (job id, lease_token) → deployment_id while that lease holds the job, kept until the
  // transaction ends
  std::string_view leased_job_deployment;
  // (job id)
  std::string_view delete_job;
  // (deployment_id, now) → 1 + the visible jobs a lease takes before its job, the jobs
  // leased past now; no row when its job is not visible (leased) or there is none
  std::string_view queue_place;
  // (deployment_id, receives, reason, now), replacing an older one
  std::string_view insert_dead_letter;
  // () → deployment_id, receives, reason, dead_at_ms, oldest first
  std::string_view list_dead_letters;
  // (deployment_id)
  std::string_view delete_dead_letter;
  // (id, now) → status, how many of its jobs are leased past now; no other transaction
  // queues a job for it until this one ends
  std::string_view status_and_leases;
  // (deployment_id): its events, but for the tombstone this transaction appended
  std::string_view delete_events;
  // (deployment_id)
  std::string_view delete_jobs;
  // (id)
  std::string_view delete_deployment;
  // () → id, status
  std::string_view deployment_statuses;
  // (after, limit) → seq, deployment_id, kind, status, phase, error, line, the deployment's
  // project (NULL when none), by seq
  std::string_view events_after;
  // (after, limit, deployment_id) → the same, of one deployment
  std::string_view deployment_events_after;
  // (after, limit, project) → the same, status changes of the project's deployments and
  // moves of its aliases
  std::string_view project_events_after;
  // (after, limit) → the same, deletion tombstones, alias moves and project changes only
  std::string_view edge_events_after;
  // () → the highest seq (0 when there is none)
  std::string_view last_event_seq;

  // (name, repo_url, production_branch, settings, auto_promote, created_at_ms, protection,
  // password_hash, bypass_hash, skew_window_days, skew_max_deployments); changes no row
  // when the name is taken
  std::string_view insert_project;
  // (name) → name, repo_url, production_branch, settings, auto_promote, created_at_ms,
  // protection, password_hash, bypass_hash, skew_window_days, skew_max_deployments;
  // no other transaction changes it until this one ends
  std::string_view select_project;
  // () → the same columns, by name
  std::string_view list_projects;
  // (name, auto_promote)
  std::string_view set_auto_promote;
  // (name, repo_url, production_branch, settings, auto_promote, protection, password_hash,
  // bypass_hash, skew_window_days, skew_max_deployments)
  std::string_view update_project;
  // (name) → how many of its deployments are not final
  std::string_view project_unfinished;
  // (name)
  std::string_view delete_project;
  // (project, limit) → the deployment columns, newest first
  std::string_view list_project_deployments;
  // (project, inputs_digest, commit) → the deployment columns, DEPLOYED or IN_PROGRESS,
  // DEPLOYED first, then oldest first
  std::string_view same_input_deployments;
  // (project) → label, branch, deployment_id, by label
  std::string_view project_aliases;
  // (project)
  std::string_view delete_project_aliases;
  // (label) → deployment_id
  std::string_view alias_target;
  // (label) → deployment_id; no other transaction moves the alias until this one ends
  std::string_view alias_target_for_update;
  // (label, project, deployment_id, until_ms)
  std::string_view insert_alias_history;
  // (label, since_ms, limit) → deployment_id: those that held the alias until since_ms or
  // later, but the one it points at now, each once, newest first
  std::string_view skew_history;
  // (project) → label, deployment_id, until_ms, newest first
  std::string_view alias_history;
  // (project)
  std::string_view delete_project_alias_history;
  // (deployment_id)
  std::string_view delete_deployment_alias_history;
  // () → the deployment columns of every deployment with a project, newest first
  std::string_view project_owned_deployments;
  // (deployment_id) → how many aliases point at it
  std::string_view deployment_alias_count;
  // (label, project, branch, deployment_id, target_created_ms, now): inserts the alias or
  // moves it, unless it points at a deployment created later (1 row when it moved)
  std::string_view move_alias;
  // (label, project, branch, deployment_id, target_created_ms, now): inserts the alias
  // unless it exists
  std::string_view insert_alias;
  // (label, deployment_id, target_created_ms, now, expected deployment_id): moves it only
  // while it points at the expected one
  std::string_view swap_alias;

  // (project) → name, scopes, sealed, updated_at_ms, by name
  std::string_view project_env;
  // (project, name, scopes, sealed, updated_at_ms): inserts the variable or replaces it
  std::string_view upsert_env;
  // (project, name)
  std::string_view delete_env;
  // (project)
  std::string_view delete_project_env;
  // (deployment_id) → name, scopes, sealed, updated_at_ms, by name
  std::string_view deployment_env;
  // (deployment_id, name, scopes, sealed, updated_at_ms)
  std::string_view insert_deployment_env;
  // (deployment_id)
  std::string_view delete_deployment_env;

  // (domain, project, state, last_error, checked_at_ms, created_at_ms); nothing when the
  // domain is taken
  std::string_view insert_custom_domain;
  // (domain) → domain, project, state, last_error, checked_at_ms, created_at_ms
  std::string_view custom_domain;
  // (project) → the same, by domain
  std::string_view project_custom_domains;
  // (state) → the same, least recently checked first
  std::string_view custom_domains_in_state;
  // (domain, state, last_error, checked_at_ms)
  std::string_view update_custom_domain;
  // (project, domain)
  std::string_view delete_custom_domain;
  // (project)
  std::string_view delete_project_custom_domains;

  // (project, name, branch, token_hash, created_at_ms); nothing when the name is taken
  std::string_view insert_deploy_hook;
  // (project) → project, name, branch, token_hash, created_at_ms, by name
  std::string_view project_deploy_hooks;
  // (token_hash) → the same, of the one hook
  std::string_view deploy_hook_by_token;
  // (project, name)
  std::string_view delete_deploy_hook;
  // (project)
  std::string_view delete_project_deploy_hooks;

  // (project) → sealed
  std::string_view webhook_secret;
  // (project, sealed, now): inserts the secret or replaces it
  std::string_view upsert_webhook_secret;
  // (project)
  std::string_view delete_project_webhook_secret;
  // (project, provider, delivery_id, now); nothing when it is remembered already
  std::string_view insert_delivery;
  // (before_ms): forgets deliveries received before
  std::string_view forget_deliveries;
  // (project, provider, delivery_id, event, status, result, deployment_id)
  std::string_view answer_delivery;
  // (project, limit) → provider, delivery_id, event, status, result, deployment_id,
  // received_at_ms, newest first
  std::string_view project_deliveries;
  // (project)
  std::string_view delete_project_deliveries;
  // (project, label)
  std::string_view delete_alias;

  // (id, project, url, events, sealed_secret, created_at_ms)
  std::string_view insert_notification_endpoint;
  // (project) → id, project, url, events, sealed_secret, created_at_ms, oldest first
  std::string_view notification_endpoints;
  // (project, id)
  std::string_view delete_notification_endpoint;
  // (endpoint_id): its notifications still to send
  std::string_view delete_endpoint_notifications;
  // (project)
  std::string_view delete_project_notification_endpoints;
  // (project)
  std::string_view delete_project_notifications;
  // () → seq
  std::string_view notifier_cursor;
  // () → seq; no other transaction moves it until this one ends
  std::string_view notifier_cursor_for_update;
  // (seq): the first cursor, unless one exists
  std::string_view insert_notifier_cursor;
  // (expected seq, new seq)
  std::string_view move_notifier_cursor;
  // (id, endpoint_id, project, type, body, now): due now
  std::string_view insert_notification;
  // (now) → id of one due notification no one holds (a read: most polls find none)
  std::string_view due_notification;
  // (now, lease_until, limit) → id: leases due notifications no one holds
  std::string_view lease_notifications;
  // (id) → the notification columns, then its endpoint's url and sealed_secret
  std::string_view leased_notification;
  // (id, state, attempts, next_at_ms, last_status, last_error, last_at_ms): ends the lease
  std::string_view record_notification_attempt;
  // (project, limit) → the notification columns, newest first
  std::string_view project_notifications;

  // () → names, state, chain_pem, sealed_key, not_before_ms, not_after_ms, last_error,
  // next_attempt_ms, failures, updated_at_ms, by name
  std::string_view certificates;
  // (name, names, state, chain_pem, sealed_key, not_before_ms, not_after_ms, last_error,
  // next_attempt_ms, failures, updated_at_ms): inserts the certificate or replaces it
  std::string_view upsert_certificate;
  // (directory) → url, sealed_key
  std::string_view acme_account;
  // (directory, url, sealed_key, now); nothing when the directory has one
  std::string_view insert_acme_account;
  // (token, key_authorization, now): inserts the answer or replaces it
  std::string_view upsert_acme_challenge;
  // (token) → key_authorization
  std::string_view acme_challenge;
  // (token)
  std::string_view delete_acme_challenge;
  // (before): answers stored before then, left by orders that never ended (a crash)
  std::string_view sweep_acme_challenges;
  // (name)
  std::string_view delete_certificate;
  // (name, holder, expires_at_ms, now): takes the lease when it is free, expired or the
  // holder's (1 row when taken)
  std::string_view take_lease;
  // (name, holder)
  std::string_view release_lease;
};

// What a backend gives the store: a connection for each operation, and notifications.
class SqlBackend
{
public:
  virtual ~SqlBackend() = default;

  // Runs `operation` on a connection (once more on a fresh one when the connection broke
  // and nothing was applied), then the change callbacks when it committed events. Fails
  // with the operation's error or the connection's.
  virtual util::Result<void> run(const std::function<util::Result<void>(Executor&)>& operation) = 0;

  // As MetadataStore::on_change.
  virtual void on_change(std::function<void()> callback) = 0;
};

// The store over `backend`, running `statements` and reading the time from `clock`.
std::unique_ptr<MetadataStore> make_sql_store(std::unique_ptr<SqlBackend> backend,
                                              const Statements& statements,
                                              Clock clock);

} // namespace reactor::store
