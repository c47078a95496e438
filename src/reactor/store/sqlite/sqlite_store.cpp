#include "reactor/store/sqlite/sqlite_store.hpp"

#include "reactor/store/sql_store.hpp"
#include "reactor/store/sqlite/checkpointer.hpp"
#include "reactor/store/sqlite/connection.hpp"
#include "reactor/store/sqlite/schema.hpp"

#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

namespace reactor::store::sqlite {

namespace {

using util::fail;

// Every transaction is BEGIN IMMEDIATE, the one writer at a time: a row read in it stays
// as read without any lock of its own.
constexpr Statements k_statements{
  .select_deployment =
    "SELECT id, repo_url, ref, status, phase, error, commit_sha, created_at_ms, updated_at_ms, "
    "settings, build_info, project, branch, pull_request, from_fork, inputs_digest FROM "
    "deployments WHERE id = ?1",
  .list_deployments =
    "SELECT id, repo_url, ref, status, phase, error, commit_sha, created_at_ms, updated_at_ms, "
    "settings, build_info, project, branch, pull_request, from_fork, inputs_digest FROM "
    "deployments ORDER BY created_at_ms "
    "DESC, rowid "
    "DESC LIMIT ?1",
  .status_for_update = "SELECT status FROM deployments WHERE id = ?1",
  .insert_deployment =
    "INSERT INTO deployments (id, repo_url, ref, status, phase, error, commit_sha, "
    "created_at_ms, updated_at_ms, settings, project, branch, pull_request, from_fork, "
    "inputs_digest) VALUES (?1, ?2, ?3, ?4, '', '', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT (id) DO NOTHING",
  .update_deployment = "UPDATE deployments SET status = ?2, phase = ?3, error = ?4, "
                       "commit_sha = COALESCE(NULLIF(?5, ''), commit_sha), updated_at_ms = ?6, "
                       "build_info = COALESCE(NULLIF(?7, ''), build_info) WHERE id = ?1",
  .record_commit = "UPDATE deployments SET commit_sha = ?2 WHERE id = ?1",
  .insert_job =
    "INSERT INTO jobs (deployment_id, receives, visible_at_ms, lease_token, enqueued_at_ms) "
    "VALUES (?1, 0, ?2, NULL, ?2)",
  .next_visible_job = "SELECT j.id, j.deployment_id, j.receives, d.status FROM jobs j "
                      "JOIN deployments d ON d.id = j.deployment_id WHERE j.visible_at_ms <= ?1 "
                      "ORDER BY j.visible_at_ms, j.id LIMIT 1",
  .lease_job =
    "UPDATE jobs SET receives = receives + 1, visible_at_ms = ?2, lease_token = ?3 WHERE id = ?1",
  .extend_lease = "UPDATE jobs SET visible_at_ms = ?3 WHERE id = ?1 AND lease_token = ?2",
  .release_job =
    "UPDATE jobs SET visible_at_ms = ?3, receives = MAX(receives - 1, 0), lease_token = NULL "
    "WHERE id = ?1 AND lease_token = ?2",
  .leased_job_deployment = "SELECT deployment_id FROM jobs WHERE id = ?1 AND lease_token = ?2",
  .delete_job = "DELETE FROM jobs WHERE id = ?1",
  .queue_place =
    "SELECT 1 + (SELECT COUNT(*) FROM jobs k WHERE k.visible_at_ms <= ?2 AND (k.visible_at_ms "
    "< j.visible_at_ms OR (k.visible_at_ms = j.visible_at_ms AND k.id < j.id))), (SELECT "
    "COUNT(*) FROM jobs k WHERE k.lease_token IS NOT NULL AND k.visible_at_ms > ?2) FROM jobs j "
    "WHERE j.deployment_id = ?1 AND j.visible_at_ms <= ?2",
  .insert_dead_letter =
    "INSERT INTO dead_letters (deployment_id, receives, reason, dead_at_ms) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (deployment_id) DO UPDATE SET "
    "receives = excluded.receives, reason = excluded.reason, dead_at_ms = excluded.dead_at_ms",
  .list_dead_letters =
    "SELECT deployment_id, receives, reason, dead_at_ms FROM dead_letters ORDER BY dead_at_ms, "
    "deployment_id",
  .delete_dead_letter = "DELETE FROM dead_letters WHERE deployment_id = ?1",
  .status_and_leases =
    "SELECT status, (SELECT COUNT(*) FROM jobs WHERE deployment_id = ?1 AND lease_token IS NOT "
    "NULL AND visible_at_ms > ?2) FROM deployments WHERE id = ?1",
  // Tombstones stay: the one just appended, and (see schema 3) the newest seq with it.
  .delete_events =
    "DELETE FROM events WHERE deployment_id = ?1 AND kind NOT IN ('deleted', 'alias', 'project')",
  .delete_jobs = "DELETE FROM jobs WHERE deployment_id = ?1",
  .delete_deployment = "DELETE FROM deployments WHERE id = ?1",
  .deployment_statuses = "SELECT id, status FROM deployments",
  .events_after = "SELECT e.seq, e.deployment_id, e.kind, e.status, e.phase, e.error, e.line, "
                  "d.project FROM events e LEFT JOIN deployments d ON d.id = e.deployment_id "
                  "WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2",
  .deployment_events_after =
    "SELECT e.seq, e.deployment_id, e.kind, e.status, e.phase, e.error, e.line, d.project "
    "FROM events e LEFT JOIN deployments d ON d.id = e.deployment_id "
    "WHERE e.deployment_id = ?3 AND e.seq > ?1 ORDER BY e.seq LIMIT ?2",
  .project_events_after =
    "SELECT e.seq, e.deployment_id, e.kind, e.status, e.phase, e.error, e.line, d.project "
    "FROM events e LEFT JOIN deployments d ON d.id = e.deployment_id WHERE e.seq > ?1 AND "
    "((e.kind = 'status' AND d.project = ?3) OR (e.kind = 'alias' AND (e.line = ?3 OR "
    "substr(e.line, 1, length(?3) + 2) = ?3 || '--'))) ORDER BY e.seq LIMIT ?2",
  .edge_events_after =
    "SELECT seq, deployment_id, kind, status, phase, error, line, NULL FROM events "
    "INDEXED BY events_for_edges WHERE kind IN ('deleted', 'alias', 'project') AND seq > ?1 "
    "ORDER BY seq LIMIT ?2",
  .last_event_seq = "SELECT COALESCE(MAX(seq), 0) FROM events",
  .insert_project =
    "INSERT INTO projects (name, repo_url, production_branch, settings, auto_promote, "
    "created_at_ms, protection, password_hash, bypass_hash, skew_window_days, "
    "skew_max_deployments, deploy_tags, build_fork_pull_requests) VALUES (?1, ?2, ?3, ?4, ?5, "
    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT (name) DO NOTHING",
  .select_project =
    "SELECT name, repo_url, production_branch, settings, auto_promote, "
    "created_at_ms, protection, password_hash, bypass_hash, skew_window_days, "
    "skew_max_deployments, deploy_tags, build_fork_pull_requests FROM projects WHERE name = ?1",
  .list_projects =
    "SELECT name, repo_url, production_branch, settings, auto_promote, "
    "created_at_ms, protection, password_hash, bypass_hash, skew_window_days, "
    "skew_max_deployments, deploy_tags, build_fork_pull_requests FROM projects ORDER BY name",
  .set_auto_promote = "UPDATE projects SET auto_promote = ?2 WHERE name = ?1",
  .update_project = "UPDATE projects SET repo_url = ?2, production_branch = ?3, settings = ?4, "
                    "auto_promote = ?5, protection = ?6, password_hash = ?7, bypass_hash = ?8, "
                    "skew_window_days = ?9, skew_max_deployments = ?10, deploy_tags = ?11, "
                    "build_fork_pull_requests = ?12 WHERE name = ?1",
  .project_unfinished = "SELECT COUNT(*) FROM deployments WHERE project = ?1 AND status NOT IN "
                        "('DEPLOYED', 'ERROR', 'CANCELED')",
  .delete_project = "DELETE FROM projects WHERE name = ?1",
  .list_project_deployments =
    "SELECT id, repo_url, ref, status, phase, error, commit_sha, created_at_ms, updated_at_ms, "
    "settings, build_info, project, branch, pull_request, from_fork, inputs_digest FROM "
    "deployments WHERE project = ?1 "
    "ORDER BY created_at_ms DESC, rowid DESC LIMIT ?2",
  .same_input_deployments =
    "SELECT id, repo_url, ref, status, phase, error, commit_sha, created_at_ms, updated_at_ms, "
    "settings, build_info, project, branch, pull_request, from_fork, inputs_digest FROM "
    "deployments WHERE project = ?1 AND inputs_digest = ?2 AND inputs_digest <> '' AND "
    "(commit_sha = ?3 OR ref = ?3) AND status IN ('DEPLOYED', 'IN_PROGRESS') "
    "ORDER BY status = 'DEPLOYED' DESC, created_at_ms LIMIT 20",
  .project_aliases =
    "SELECT label, branch, deployment_id FROM aliases WHERE project = ?1 ORDER BY label",
  .delete_project_aliases = "DELETE FROM aliases WHERE project = ?1",
  .alias_target = "SELECT deployment_id FROM aliases WHERE label = ?1",
  .alias_target_for_update = "SELECT deployment_id FROM aliases WHERE label = ?1",
  .insert_alias_history = "INSERT INTO alias_history (label, project, deployment_id, until_ms) "
                          "VALUES (?1, ?2, ?3, ?4)",
  .skew_history =
    "SELECT deployment_id FROM alias_history WHERE label = ?1 AND until_ms >= ?2 "
    "AND deployment_id <> COALESCE((SELECT deployment_id FROM aliases WHERE label = ?1), '') "
    "GROUP BY deployment_id ORDER BY MAX(until_ms) DESC LIMIT ?3",
  .alias_history = "SELECT label, deployment_id, until_ms FROM alias_history "
                   "WHERE project = ?1 ORDER BY until_ms DESC",
  .delete_project_alias_history = "DELETE FROM alias_history WHERE project = ?1",
  .delete_deployment_alias_history = "DELETE FROM alias_history WHERE deployment_id = ?1",
  .project_owned_deployments =
    "SELECT id, repo_url, ref, status, phase, error, commit_sha, created_at_ms, updated_at_ms, "
    "settings, build_info, project, branch, pull_request, from_fork, inputs_digest FROM "
    "deployments WHERE project <> '' "
    "ORDER BY created_at_ms DESC, rowid DESC",
  .deployment_alias_count = "SELECT COUNT(*) FROM aliases WHERE deployment_id = ?1",
  .move_alias =
    "INSERT INTO aliases (label, project, branch, deployment_id, target_created_ms, "
    "updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (label) DO UPDATE SET "
    "deployment_id = excluded.deployment_id, target_created_ms = excluded.target_created_ms, "
    "updated_at_ms = excluded.updated_at_ms "
    "WHERE aliases.target_created_ms <= excluded.target_created_ms",
  .insert_alias = "INSERT INTO aliases (label, project, branch, deployment_id, target_created_ms, "
                  "updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (label) DO NOTHING",
  .swap_alias = "UPDATE aliases SET deployment_id = ?2, target_created_ms = ?3, "
                "updated_at_ms = ?4 WHERE label = ?1 AND deployment_id = ?5",
  .project_env = "SELECT name, scopes, sealed, updated_at_ms FROM project_env WHERE project = ?1 "
                 "ORDER BY name",
  .upsert_env = "INSERT INTO project_env (project, name, scopes, sealed, updated_at_ms) "
                "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (project, name) DO UPDATE SET "
                "scopes = excluded.scopes, sealed = excluded.sealed, "
                "updated_at_ms = excluded.updated_at_ms",
  .delete_env = "DELETE FROM project_env WHERE project = ?1 AND name = ?2",
  .delete_project_env = "DELETE FROM project_env WHERE project = ?1",
  .deployment_env = "SELECT name, scopes, sealed, updated_at_ms FROM deployment_env "
                    "WHERE deployment_id = ?1 ORDER BY name",
  .insert_deployment_env = "INSERT INTO deployment_env (deployment_id, name, scopes, sealed, "
                           "updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
  .delete_deployment_env = "DELETE FROM deployment_env WHERE deployment_id = ?1",
  .insert_custom_domain =
    "INSERT INTO custom_domains (domain, project, state, last_error, checked_at_ms, created_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (domain) DO NOTHING",
  .custom_domain = "SELECT domain, project, state, last_error, checked_at_ms, created_at_ms FROM "
                   "custom_domains WHERE domain = ?1",
  .project_custom_domains = "SELECT domain, project, state, last_error, checked_at_ms, "
                            "created_at_ms FROM custom_domains WHERE project = ?1 ORDER BY domain",
  .custom_domains_in_state = "SELECT domain, project, state, last_error, checked_at_ms, "
                             "created_at_ms FROM custom_domains WHERE state = ?1 "
                             "ORDER BY checked_at_ms, domain",
  .update_custom_domain = "UPDATE custom_domains SET state = ?2, last_error = ?3, "
                          "checked_at_ms = ?4 WHERE domain = ?1",
  .delete_custom_domain = "DELETE FROM custom_domains WHERE project = ?1 AND domain = ?2",
  .delete_project_custom_domains = "DELETE FROM custom_domains WHERE project = ?1",
  .insert_deploy_hook = "INSERT INTO deploy_hooks (project, name, branch, token_hash, "
                        "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
  .project_deploy_hooks = "SELECT project, name, branch, token_hash, created_at_ms FROM "
                          "deploy_hooks WHERE project = ?1 ORDER BY name",
  .deploy_hook_by_token = "SELECT project, name, branch, token_hash, created_at_ms FROM "
                          "deploy_hooks WHERE token_hash = ?1",
  .delete_deploy_hook = "DELETE FROM deploy_hooks WHERE project = ?1 AND name = ?2",
  .delete_project_deploy_hooks = "DELETE FROM deploy_hooks WHERE project = ?1",
  .webhook_secret = "SELECT sealed FROM webhook_secrets WHERE project = ?1",
  .upsert_webhook_secret =
    "INSERT INTO webhook_secrets (project, sealed, updated_at_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (project) DO UPDATE SET sealed = excluded.sealed, updated_at_ms = "
    "excluded.updated_at_ms",
  .delete_project_webhook_secret = "DELETE FROM webhook_secrets WHERE project = ?1",
  .insert_delivery =
    "INSERT INTO webhook_deliveries (project, provider, delivery_id, received_at_ms) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
  .forget_deliveries = "DELETE FROM webhook_deliveries WHERE received_at_ms < ?1",
  .answer_delivery = "UPDATE webhook_deliveries SET event = ?4, status = ?5, result = ?6, "
                     "deployment_id = ?7 WHERE project = ?1 AND provider = ?2 AND "
                     "delivery_id = ?3",
  .project_deliveries = "SELECT provider, delivery_id, event, status, result, deployment_id, "
                        "received_at_ms FROM webhook_deliveries WHERE project = ?1 ORDER BY "
                        "received_at_ms DESC LIMIT ?2",
  .delete_project_deliveries = "DELETE FROM webhook_deliveries WHERE project = ?1",
  .delete_alias = "DELETE FROM aliases WHERE project = ?1 AND label = ?2",
  .insert_notification_endpoint = "INSERT INTO notification_endpoints (id, project, url, events, "
                                  "sealed_secret, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  .notification_endpoints = "SELECT id, project, url, events, sealed_secret, created_at_ms FROM "
                            "notification_endpoints WHERE project = ?1 ORDER BY created_at_ms, id",
  .delete_notification_endpoint =
    "DELETE FROM notification_endpoints WHERE project = ?1 AND id = ?2",
  .delete_endpoint_notifications =
    "DELETE FROM notifications WHERE endpoint_id = ?1 AND state = 'pending'",
  .delete_project_notification_endpoints = "DELETE FROM notification_endpoints WHERE project = ?1",
  .delete_project_notifications = "DELETE FROM notifications WHERE project = ?1",
  .notifier_cursor = "SELECT seq FROM notifier_cursor WHERE id = 1",
  .notifier_cursor_for_update = "SELECT seq FROM notifier_cursor WHERE id = 1",
  .insert_notifier_cursor =
    "INSERT INTO notifier_cursor (id, seq) VALUES (1, ?1) ON CONFLICT DO NOTHING",
  .move_notifier_cursor = "UPDATE notifier_cursor SET seq = ?2 WHERE id = 1 AND seq = ?1",
  .insert_notification =
    "INSERT INTO notifications (id, endpoint_id, project, type, body, state, "
    "next_at_ms, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
  .due_notification = "SELECT id FROM notifications WHERE state = 'pending' AND next_at_ms <= ?1 "
                      "AND lease_until_ms <= ?1 LIMIT 1",
  .lease_notifications =
    "UPDATE notifications SET lease_until_ms = ?2 WHERE id IN (SELECT id FROM notifications "
    "WHERE state = 'pending' AND next_at_ms <= ?1 AND lease_until_ms <= ?1 ORDER BY next_at_ms, "
    "rowid "
    "LIMIT ?3) RETURNING id",
  .leased_notification = "SELECT n.id, n.endpoint_id, n.project, n.type, n.body, n.state, "
                         "n.attempts, n.next_at_ms, n.last_status, n.last_error, n.last_at_ms, "
                         "n.created_at_ms, e.url, e.sealed_secret, n.rowid FROM notifications n "
                         "JOIN notification_endpoints e ON e.id = n.endpoint_id WHERE n.id = ?1",
  .record_notification_attempt =
    "UPDATE notifications SET state = ?2, attempts = ?3, next_at_ms = ?4, "
    "last_status = ?5, last_error = ?6, last_at_ms = ?7, lease_until_ms = 0 "
    "WHERE id = ?1",
  .project_notifications =
    "SELECT id, endpoint_id, project, type, body, state, attempts, next_at_ms, last_status, "
    "last_error, last_at_ms, created_at_ms FROM notifications WHERE project = ?1 "
    "ORDER BY created_at_ms DESC, rowid DESC LIMIT ?2",
  .certificates =
    "SELECT names, state, chain_pem, sealed_key, not_before_ms, not_after_ms, last_error, "
    "next_attempt_ms, failures, updated_at_ms FROM certificates ORDER BY name",
  .upsert_certificate =
    "INSERT INTO certificates (name, names, state, chain_pem, sealed_key, not_before_ms, "
    "not_after_ms, last_error, next_attempt_ms, failures, updated_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (name) DO UPDATE SET "
    "names = excluded.names, state = excluded.state, chain_pem = excluded.chain_pem, "
    "sealed_key = excluded.sealed_key, not_before_ms = excluded.not_before_ms, "
    "not_after_ms = excluded.not_after_ms, last_error = excluded.last_error, "
    "next_attempt_ms = excluded.next_attempt_ms, failures = excluded.failures, "
    "updated_at_ms = excluded.updated_at_ms",
  .acme_account = "SELECT url, sealed_key FROM acme_accounts WHERE directory = ?1",
  .insert_acme_account = "INSERT INTO acme_accounts (directory, url, sealed_key, created_at_ms) "
                         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
  .upsert_acme_challenge =
    "INSERT INTO acme_challenges (token, key_authorization, created_at_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (token) DO UPDATE SET key_authorization = excluded.key_authorization",
  .acme_challenge = "SELECT key_authorization FROM acme_challenges WHERE token = ?1",
  .delete_acme_challenge = "DELETE FROM acme_challenges WHERE token = ?1",
  .sweep_acme_challenges = "DELETE FROM acme_challenges WHERE created_at_ms < ?1",
  .delete_certificate = "DELETE FROM certificates WHERE name = ?1",
  .take_lease = "INSERT INTO leases (name, holder, expires_at_ms) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                "expires_at_ms = excluded.expires_at_ms "
                "WHERE leases.expires_at_ms < ?4 OR leases.holder = excluded.holder",
  .release_lease = "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
};

constexpr std::string_view k_insert_status_event =
  "INSERT INTO events (deployment_id, kind, status, phase, error, at_ms) "
  "VALUES (?1, 'status', ?2, ?3, ?4, ?5)";
constexpr std::string_view k_insert_log_event =
  "INSERT INTO events (deployment_id, kind, line, at_ms) VALUES (?1, 'log', ?2, ?3)";
constexpr std::string_view k_insert_alias_event =
  "INSERT INTO events (deployment_id, kind, line, at_ms) VALUES (?1, 'alias', ?2, ?3)";
constexpr std::string_view k_insert_project_event =
  "INSERT INTO events (deployment_id, kind, line, at_ms) VALUES ('', 'project', ?1, ?2)";
constexpr std::string_view k_insert_deleted_event =
  "INSERT INTO events (deployment_id, kind, at_ms) VALUES (?1, 'deleted', ?2)";

// The store's connection for one operation, under the store's mutex. Events are inserted
// as they are appended: the one writer commits them in seq order.
class SqliteExecutor final : public TransactionExecutor<Connection, Transaction>
{
public:
  using TransactionExecutor::TransactionExecutor;

  Result<int> execute(std::string_view sql, std::span<const SqlValue> values) override
  {
    auto statement = connection().prepare(sql);
    if (!statement) {
      return std::unexpected(statement.error());
    }
    return statement->bind(values).run();
  }

  Result<void> query(std::string_view sql,
                     std::span<const SqlValue> values,
                     const std::function<Result<void>(const Row&)>& each) override
  {
    auto statement = connection().prepare(sql);
    if (!statement) {
      return std::unexpected(statement.error());
    }
    statement->bind(values);
    for (;;) {
      auto row = statement->step();
      if (!row) {
        return std::unexpected(row.error());
      }
      if (!*row) {
        return {};
      }
      if (auto read = each(*statement); !read) {
        return read;
      }
    }
  }

  Result<void> append_event(const NewEvent& event) override
  {
    auto inserted = [&] {
      switch (event.kind) {
        case core::EventKind::log:
          return execute(k_insert_log_event,
                         sql_values(event.deployment_id, event.line, event.at_ms));
        case core::EventKind::alias:
          return execute(k_insert_alias_event,
                         sql_values(event.deployment_id, event.line, event.at_ms));
        case core::EventKind::project:
          return execute(k_insert_project_event, sql_values(event.line, event.at_ms));
        case core::EventKind::deleted:
          return execute(k_insert_deleted_event, sql_values(event.deployment_id, event.at_ms));
        case core::EventKind::status:
          break;
      }
      return execute(k_insert_status_event,
                     sql_values(event.deployment_id,
                                core::to_string(event.status),
                                core::to_string(event.phase),
                                event.error,
                                event.at_ms));
    }();
    if (!inserted) {
      return std::unexpected(inserted.error());
    }
    m_appended_events = true;
    return {};
  }

  // True once the operation appended an event (committed when it succeeded).
  bool appended_events() const { return m_appended_events; }

private:
  bool m_appended_events = false;
};

// One connection, one operation at a time; readers are woken in process.
class SqliteBackend final : public SqlBackend
{
public:
  SqliteBackend(Connection connection, Connection checkpoint_connection)
    : m_connection(std::move(connection))
    , m_checkpointer(std::move(checkpoint_connection))
  {
  }

  // The change callbacks run outside the mutex.
  Result<void> run(const std::function<Result<void>(Executor&)>& operation) override
  {
    bool notify = false;
    auto result = [&] {
      std::scoped_lock lock(m_mutex);
      SqliteExecutor executor(m_connection);
      auto outcome = operation(executor);
      notify = outcome.has_value() && executor.appended_events();
      return outcome;
    }();
    if (notify) {
      for (const auto& callback : m_callbacks) {
        callback();
      }
    }
    return result;
  }

  void on_change(std::function<void()> callback) override
  {
    std::scoped_lock lock(m_mutex);
    m_callbacks.push_back(std::move(callback));
  }

private:
  std::mutex m_mutex;
  Connection m_connection;
  std::vector<std::function<void()>> m_callbacks;
  Checkpointer m_checkpointer;
};

} // namespace

util::Result<std::unique_ptr<MetadataStore>>
create_store(const std::filesystem::path& path, Clock clock)
{
  auto prefix = "cannot open the metadata store " + path.string() + ": ";
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return fail(prefix + "cannot create " + path.parent_path().string() + ": " + ec.message());
    }
  }
  auto connection = Connection::open(path);
  if (!connection) {
    return fail(prefix + connection.error().message);
  }
  // 1 KiB pages: a commit writes each page it touches whole into the write-ahead log, and
  // the store's writes are small rows (an event is a row and an index entry), so 4 KiB
  // pages meant four times the bytes copied and checksummed per status change or log
  // line. Takes effect only when the file is created; an existing database keeps its size.
  for (const char* pragma : { "PRAGMA page_size = 1024",
                              "PRAGMA journal_mode = WAL",
                              "PRAGMA synchronous = NORMAL",
                              "PRAGMA foreign_keys = ON",
                              "PRAGMA wal_autocheckpoint = 0" }) { // see Checkpointer
    if (auto set = connection->exec(pragma); !set) {
      return fail(prefix + set.error().message);
    }
  }
  if (auto migrated = migrate(*connection); !migrated) {
    return fail(prefix + migrated.error().message);
  }
  auto checkpoint_connection = Connection::open(path);
  if (!checkpoint_connection) {
    return fail(prefix + checkpoint_connection.error().message);
  }
  return make_sql_store(
    std::make_unique<SqliteBackend>(std::move(*connection), std::move(*checkpoint_connection)),
    k_statements,
    std::move(clock));
}

} // namespace reactor::store::sqlite
