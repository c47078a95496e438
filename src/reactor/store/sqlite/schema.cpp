#include "reactor/store/sqlite/schema.hpp"

#include "reactor/store/backend_support.hpp"

#include <array>
#include <string>

namespace reactor::store::sqlite {

namespace {

// Each entry moves the schema from version i to i + 1; append, never edit.
constexpr std::array<const char*, 12> k_migrations{
  R"sql(
CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  repo_url TEXT NOT NULL,
  ref TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  phase TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  commit_sha TEXT NOT NULL DEFAULT '',
  settings TEXT NOT NULL DEFAULT '{}',
  build_info TEXT NOT NULL DEFAULT '{}',
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX deployments_by_created ON deployments (created_at_ms);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  deployment_id TEXT NOT NULL UNIQUE REFERENCES deployments (id),
  receives INTEGER NOT NULL DEFAULT 0,
  visible_at_ms INTEGER NOT NULL,
  lease_token TEXT,
  enqueued_at_ms INTEGER NOT NULL
);
CREATE INDEX jobs_by_visibility ON jobs (visible_at_ms);
CREATE TABLE dead_letters (
  deployment_id TEXT PRIMARY KEY REFERENCES deployments (id),
  receives INTEGER NOT NULL,
  reason TEXT NOT NULL,
  dead_at_ms INTEGER NOT NULL
);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('status', 'log')),
  status TEXT,
  phase TEXT,
  error TEXT,
  line TEXT,
  at_ms INTEGER NOT NULL
);
CREATE INDEX events_by_deployment ON events (deployment_id, seq);
)sql",
  // Deletion tombstones. SQLite cannot change a CHECK, so the table is rebuilt; its
  // AUTOINCREMENT counter moves with it, so no seq is ever handed out twice.
  R"sql(
CREATE TABLE events_v2 (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('status', 'log', 'deleted')),
  status TEXT,
  phase TEXT,
  error TEXT,
  line TEXT,
  at_ms INTEGER NOT NULL
);
INSERT INTO events_v2 SELECT seq, deployment_id, kind, status, phase, error, line, at_ms
  FROM events;
DELETE FROM sqlite_sequence WHERE name = 'events_v2';
UPDATE sqlite_sequence SET name = 'events_v2' WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_by_deployment ON events (deployment_id, seq);
)sql",
  // seq without AUTOINCREMENT, which rewrote sqlite_sequence on every insert: a third
  // page per event in the write-ahead log. SQLite now hands out MAX(seq) + 1, which never
  // repeats a seq because events are only deleted together with appending their
  // deployment's tombstone, so the newest event always stays (pruning must keep it too).
  // A counter ahead of the newest row is kept as a tombstone of no deployment at its seq.
  R"sql(
CREATE TABLE events_v3 (
  seq INTEGER PRIMARY KEY,
  deployment_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('status', 'log', 'deleted')),
  status TEXT,
  phase TEXT,
  error TEXT,
  line TEXT,
  at_ms INTEGER NOT NULL
);
INSERT INTO events_v3 SELECT seq, deployment_id, kind, status, phase, error, line, at_ms
  FROM events;
INSERT INTO events_v3 (seq, deployment_id, kind, at_ms)
  SELECT seq, '', 'deleted', 0 FROM sqlite_sequence
  WHERE name = 'events' AND seq > (SELECT COALESCE(MAX(seq), 0) FROM events);
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_by_deployment ON events (deployment_id, seq);
)sql",
  // The tombstones alone, which edge nodes follow.
  R"sql(
CREATE INDEX events_deleted ON events (seq) WHERE kind = 'deleted';
)sql",
  // Projects and their aliases (hostname label → deployment); alias moves are events an
  // edge follows with the tombstones. SQLite cannot change a CHECK, so the events table is
  // rebuilt as in version 3 (seq kept, so none is handed out twice).
  R"sql(
CREATE TABLE projects (
  name TEXT PRIMARY KEY,
  repo_url TEXT NOT NULL,
  production_branch TEXT NOT NULL DEFAULT '',
  settings TEXT NOT NULL DEFAULT '{}',
  auto_promote INTEGER NOT NULL DEFAULT 1,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE aliases (
  label TEXT PRIMARY KEY,
  project TEXT NOT NULL REFERENCES projects (name),
  branch TEXT NOT NULL DEFAULT '',
  deployment_id TEXT NOT NULL,
  target_created_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX aliases_by_project ON aliases (project);
ALTER TABLE deployments ADD COLUMN project TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN branch TEXT NOT NULL DEFAULT '';
CREATE INDEX deployments_by_project ON deployments (project, created_at_ms) WHERE project <> '';
CREATE TABLE events_v5 (
  seq INTEGER PRIMARY KEY,
  deployment_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('status', 'log', 'deleted', 'alias')),
  status TEXT,
  phase TEXT,
  error TEXT,
  line TEXT,
  at_ms INTEGER NOT NULL
);
INSERT INTO events_v5 SELECT seq, deployment_id, kind, status, phase, error, line, at_ms
  FROM events;
DROP TABLE events;
ALTER TABLE events_v5 RENAME TO events;
CREATE INDEX events_by_deployment ON events (deployment_id, seq);
CREATE INDEX events_for_edges ON events (seq) WHERE kind IN ('deleted', 'alias');
)sql",
  // Protection and skew settings of projects, and each alias's history: which deployment
  // held it until when. Events of kind 'project' tell edges a project's settings changed;
  // the events table is rebuilt for the CHECK as in version 3.
  R"sql(
ALTER TABLE projects ADD COLUMN protection TEXT NOT NULL DEFAULT 'off';
ALTER TABLE projects ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN bypass_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN skew_window_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE projects ADD COLUMN skew_max_deployments INTEGER NOT NULL DEFAULT 5;
CREATE TABLE alias_history (
  label TEXT NOT NULL,
  project TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  until_ms INTEGER NOT NULL
);
CREATE INDEX alias_history_by_label ON alias_history (label, until_ms);
CREATE INDEX alias_history_by_project ON alias_history (project);
CREATE INDEX alias_history_by_deployment ON alias_history (deployment_id);
CREATE TABLE events_v6 (
  seq INTEGER PRIMARY KEY,
  deployment_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('status', 'log', 'deleted', 'alias', 'project')),
  status TEXT,
  phase TEXT,
  error TEXT,
  line TEXT,
  at_ms INTEGER NOT NULL
);
INSERT INTO events_v6 SELECT seq, deployment_id, kind, status, phase, error, line, at_ms
  FROM events;
DROP TABLE events;
ALTER TABLE events_v6 RENAME TO events;
CREATE INDEX events_by_deployment ON events (deployment_id, seq);
CREATE INDEX events_for_edges ON events (seq) WHERE kind IN ('deleted', 'alias', 'project');
)sql",
  // Projects' environment variables, their values sealed with the secrets key, and the
  // snapshot of them each deployment of a project was created with.
  R"sql(
CREATE TABLE project_env (
  project TEXT NOT NULL REFERENCES projects (name),
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  sealed TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (project, name)
);
CREATE TABLE deployment_env (
  deployment_id TEXT NOT NULL REFERENCES deployments (id),
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  sealed TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (deployment_id, name)
);
)sql",
  // Deploy hooks: a project's secret URLs that build one branch, kept as the token's hash.
  R"sql(
CREATE TABLE deploy_hooks (
  project TEXT NOT NULL REFERENCES projects (name),
  name TEXT NOT NULL,
  branch TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (project, name)
);
)sql", // Git webhooks: each project's secret (sealed), the deliveries seen in the last 7 days
  // (a redelivery is answered, not built again), and which pull request a preview is of.
  R"sql(
ALTER TABLE deployments ADD COLUMN pull_request INTEGER NOT NULL DEFAULT 0;
CREATE TABLE webhook_secrets (
  project TEXT PRIMARY KEY REFERENCES projects (name),
  sealed TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
  project TEXT NOT NULL REFERENCES projects (name),
  provider TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  PRIMARY KEY (project, provider, delivery_id)
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at_ms);
)sql", // Outgoing notifications: each project's endpoints, the notifications due to them (rows
  // any node sends, retried on a schedule), and how far the change feed was turned into
  // them.
  R"sql(
CREATE TABLE notification_endpoints (
  id TEXT PRIMARY KEY,
  project TEXT NOT NULL REFERENCES projects (name),
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  sealed_secret TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL,
  project TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at_ms INTEGER NOT NULL,
  lease_until_ms INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  last_at_ms INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX notifications_due ON notifications (state, next_at_ms);
CREATE INDEX notifications_by_project ON notifications (project, created_at_ms);
CREATE TABLE notifier_cursor (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL
);
)sql",
  // Certificates obtained over ACME: the account per directory, each certificate (its
  // key sealed), the HTTP-01 answers every node serves, and the lease that lets one node
  // order at a time.
  R"sql(
CREATE TABLE acme_accounts (
  directory TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  sealed_key TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE certificates (
  name TEXT PRIMARY KEY,
  names TEXT NOT NULL,
  state TEXT NOT NULL,
  chain_pem TEXT NOT NULL DEFAULT '',
  sealed_key TEXT NOT NULL DEFAULT '',
  not_before_ms INTEGER NOT NULL DEFAULT 0,
  not_after_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  failures TEXT NOT NULL DEFAULT '',
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE acme_challenges (
  token TEXT PRIMARY KEY,
  key_authorization TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
)sql",
  // Which Git events a project builds beyond branches and its own pull requests; what a
  // deployment was built from, so the same inputs are built once; projects' own domains;
  // how each Git webhook delivery was answered.
  R"sql(
ALTER TABLE projects ADD COLUMN deploy_tags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN build_fork_pull_requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN from_fork INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN inputs_digest TEXT NOT NULL DEFAULT '';
CREATE INDEX deployments_by_inputs ON deployments (project, inputs_digest) WHERE inputs_digest <> '';
CREATE TABLE custom_domains (
  domain TEXT PRIMARY KEY,
  project TEXT NOT NULL,
  state TEXT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  checked_at_ms INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX custom_domains_by_project ON custom_domains (project);
CREATE INDEX custom_domains_by_state ON custom_domains (state, checked_at_ms);
ALTER TABLE webhook_deliveries ADD COLUMN event TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN result TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN deployment_id TEXT NOT NULL DEFAULT '';
CREATE INDEX webhook_deliveries_by_project ON webhook_deliveries (project, received_at_ms);
)sql",
};

} // namespace

util::Result<void>
migrate(Connection& connection)
{
  auto transaction = Transaction::begin(connection);
  if (!transaction) {
    return std::unexpected(transaction.error());
  }
  std::size_t version = 0;
  {
    auto query = connection.prepare("PRAGMA user_version");
    if (!query) {
      return std::unexpected(query.error());
    }
    auto row = query->step();
    if (!row) {
      return std::unexpected(row.error());
    }
    version = static_cast<std::size_t>(query->int64(0));
  }
  if (auto applied = apply_migrations(
        k_migrations, version, [&connection](const char* sql) { return connection.exec(sql); });
      !applied) {
    return applied;
  }
  // The version is a constant of this binary, never a user value.
  auto set_version = "PRAGMA user_version = " + std::to_string(k_migrations.size());
  if (auto set = connection.exec(set_version.c_str()); !set) {
    return std::unexpected(set.error());
  }
  return transaction->commit();
}

} // namespace reactor::store::sqlite
