#include "reactor/store/postgres/schema.hpp"

#include "reactor/store/backend_support.hpp"
#include "reactor/store/postgres/transaction.hpp"

namespace reactor::store::postgres {

namespace {

// Key of the transaction-level advisory lock, the same in every Reactor process.
constexpr std::int64_t k_migration_lock = 0x5245414354000001;

// Each entry moves the schema from version i to i + 1; append, never edit.
constexpr std::array<const char*, 11> k_migrations{
  R"sql(
CREATE TABLE deployments (
  id text PRIMARY KEY,
  repo_url text NOT NULL,
  ref text NOT NULL DEFAULT '',
  status text NOT NULL,
  phase text NOT NULL DEFAULT '',
  error text NOT NULL DEFAULT '',
  commit_sha text NOT NULL DEFAULT '',
  settings text NOT NULL DEFAULT '{}',
  build_info text NOT NULL DEFAULT '{}',
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL,
  position bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX deployments_by_created ON deployments (created_at_ms, position);
CREATE TABLE jobs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deployment_id text NOT NULL UNIQUE REFERENCES deployments (id),
  receives integer NOT NULL DEFAULT 0,
  visible_at_ms bigint NOT NULL,
  lease_token text,
  enqueued_at_ms bigint NOT NULL
);
CREATE INDEX jobs_by_visibility ON jobs (visible_at_ms, id);
CREATE TABLE dead_letters (
  deployment_id text PRIMARY KEY REFERENCES deployments (id),
  receives integer NOT NULL,
  reason text NOT NULL,
  dead_at_ms bigint NOT NULL
);
CREATE TABLE events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deployment_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('status', 'log')),
  status text,
  phase text,
  error text,
  line text,
  at_ms bigint NOT NULL
);
CREATE INDEX events_by_deployment ON events (deployment_id, seq);
)sql",
  // Deletion tombstones.
  R"sql(
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('status', 'log', 'deleted'));
)sql",
  // The tombstones alone, which edge nodes follow.
  R"sql(
CREATE INDEX events_deleted ON events (seq) WHERE kind = 'deleted';
)sql",
  // Projects and their aliases (hostname label → deployment); alias moves are events an
  // edge follows with the tombstones.
  R"sql(
CREATE TABLE projects (
  name text PRIMARY KEY,
  repo_url text NOT NULL,
  production_branch text NOT NULL DEFAULT '',
  settings text NOT NULL DEFAULT '{}',
  auto_promote integer NOT NULL DEFAULT 1,
  created_at_ms bigint NOT NULL
);
CREATE TABLE aliases (
  label text PRIMARY KEY,
  project text NOT NULL REFERENCES projects (name),
  branch text NOT NULL DEFAULT '',
  deployment_id text NOT NULL,
  target_created_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL
);
CREATE INDEX aliases_by_project ON aliases (project);
ALTER TABLE deployments ADD COLUMN project text NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN branch text NOT NULL DEFAULT '';
CREATE INDEX deployments_by_project ON deployments (project, created_at_ms) WHERE project <> '';
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
  CHECK (kind IN ('status', 'log', 'deleted', 'alias'));
DROP INDEX events_deleted;
CREATE INDEX events_for_edges ON events (seq) WHERE kind IN ('deleted', 'alias');
)sql",
  // Protection and skew settings of projects, and each alias's history: which deployment
  // held it until when. Events of kind 'project' tell edges a project's settings changed.
  R"sql(
ALTER TABLE projects ADD COLUMN protection text NOT NULL DEFAULT 'off';
ALTER TABLE projects ADD COLUMN password_hash text NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN bypass_hash text NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN skew_window_days integer NOT NULL DEFAULT 7;
ALTER TABLE projects ADD COLUMN skew_max_deployments integer NOT NULL DEFAULT 5;
CREATE TABLE alias_history (
  label text NOT NULL,
  project text NOT NULL,
  deployment_id text NOT NULL,
  until_ms bigint NOT NULL
);
CREATE INDEX alias_history_by_label ON alias_history (label, until_ms);
CREATE INDEX alias_history_by_project ON alias_history (project);
CREATE INDEX alias_history_by_deployment ON alias_history (deployment_id);
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
  CHECK (kind IN ('status', 'log', 'deleted', 'alias', 'project'));
DROP INDEX events_for_edges;
CREATE INDEX events_for_edges ON events (seq) WHERE kind IN ('deleted', 'alias', 'project');
)sql",
  // Projects' environment variables, their values sealed with the secrets key, and the
  // snapshot of them each deployment of a project was created with.
  R"sql(
CREATE TABLE project_env (
  project text NOT NULL REFERENCES projects (name),
  name text NOT NULL,
  scopes text NOT NULL,
  sealed text NOT NULL,
  updated_at_ms bigint NOT NULL,
  PRIMARY KEY (project, name)
);
CREATE TABLE deployment_env (
  deployment_id text NOT NULL REFERENCES deployments (id),
  name text NOT NULL,
  scopes text NOT NULL,
  sealed text NOT NULL,
  updated_at_ms bigint NOT NULL,
  PRIMARY KEY (deployment_id, name)
);
)sql",
  // Deploy hooks: a project's secret URLs that build one branch, kept as the token's hash.
  R"sql(
CREATE TABLE deploy_hooks (
  project text NOT NULL REFERENCES projects (name),
  name text NOT NULL,
  branch text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at_ms bigint NOT NULL,
  PRIMARY KEY (project, name)
);
)sql", // Git webhooks: each project's secret (sealed), the deliveries seen in the last 7 days
  // (a redelivery is answered, not built again), and which pull request a preview is of.
  R"sql(
ALTER TABLE deployments ADD COLUMN pull_request bigint NOT NULL DEFAULT 0;
CREATE TABLE webhook_secrets (
  project text PRIMARY KEY REFERENCES projects (name),
  sealed text NOT NULL,
  updated_at_ms bigint NOT NULL
);
CREATE TABLE webhook_deliveries (
  project text NOT NULL REFERENCES projects (name),
  provider text NOT NULL,
  delivery_id text NOT NULL,
  received_at_ms bigint NOT NULL,
  PRIMARY KEY (project, provider, delivery_id)
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at_ms);
)sql", // Outgoing notifications: each project's endpoints, the notifications due to them (rows
  // any node sends, retried on a schedule), and how far the change feed was turned into
  // them.
  R"sql(
CREATE TABLE notification_endpoints (
  id text PRIMARY KEY,
  project text NOT NULL REFERENCES projects (name),
  url text NOT NULL,
  events text NOT NULL,
  sealed_secret text NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE TABLE notifications (
  id text PRIMARY KEY,
  endpoint_id text NOT NULL,
  project text NOT NULL,
  type text NOT NULL,
  body text NOT NULL,
  state text NOT NULL,
  attempts bigint NOT NULL DEFAULT 0,
  next_at_ms bigint NOT NULL,
  lease_until_ms bigint NOT NULL DEFAULT 0,
  last_status bigint NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  last_at_ms bigint NOT NULL DEFAULT 0,
  created_at_ms bigint NOT NULL,
  position bigserial NOT NULL
);
CREATE INDEX notifications_due ON notifications (state, next_at_ms);
CREATE INDEX notifications_by_project ON notifications (project, created_at_ms);
CREATE TABLE notifier_cursor (
  id bigint PRIMARY KEY,
  seq bigint NOT NULL
);
)sql",
  // Certificates obtained over ACME: the account per directory, each certificate (its
  // key sealed), the HTTP-01 answers every node serves, and the lease that lets one node
  // order at a time.
  R"sql(
CREATE TABLE acme_accounts (
  directory text PRIMARY KEY,
  url text NOT NULL,
  sealed_key text NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE TABLE certificates (
  name text PRIMARY KEY,
  names text NOT NULL,
  state text NOT NULL,
  chain_pem text NOT NULL DEFAULT '',
  sealed_key text NOT NULL DEFAULT '',
  not_before_ms bigint NOT NULL DEFAULT 0,
  not_after_ms bigint NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  next_attempt_ms bigint NOT NULL DEFAULT 0,
  failures text NOT NULL DEFAULT '',
  updated_at_ms bigint NOT NULL
);
CREATE TABLE acme_challenges (
  token text PRIMARY KEY,
  key_authorization text NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE TABLE leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at_ms bigint NOT NULL
);
)sql",
  // Which Git events a project builds beyond branches and its own pull requests; what a
  // deployment was built from, so the same inputs are built once; projects' own domains;
  // how each Git webhook delivery was answered.
  R"sql(
ALTER TABLE projects ADD COLUMN deploy_tags integer NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN build_fork_pull_requests integer NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN from_fork integer NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN inputs_digest text NOT NULL DEFAULT '';
CREATE INDEX deployments_by_inputs ON deployments (project, inputs_digest) WHERE inputs_digest <> '';
CREATE TABLE custom_domains (
  domain text PRIMARY KEY,
  project text NOT NULL,
  state text NOT NULL,
  last_error text NOT NULL DEFAULT '',
  checked_at_ms bigint NOT NULL DEFAULT 0,
  created_at_ms bigint NOT NULL
);
CREATE INDEX custom_domains_by_project ON custom_domains (project);
CREATE INDEX custom_domains_by_state ON custom_domains (state, checked_at_ms);
ALTER TABLE webhook_deliveries ADD COLUMN event text NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN status integer NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN result text NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN deployment_id text NOT NULL DEFAULT '';
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
  // Processes starting at once queue here; each then finds the schema it needs.
  if (auto locked =
        connection.query("SELECT pg_advisory_xact_lock($1::bigint)", sql_values(k_migration_lock));
      !locked) {
    return std::unexpected(locked.error());
  }
  if (auto created = connection.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                                     "only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), "
                                     "version integer NOT NULL)");
      !created) {
    return created;
  }
  auto current = connection.query("SELECT version FROM schema_version");
  if (!current) {
    return std::unexpected(current.error());
  }
  auto version = static_cast<std::size_t>(current->size() == 0 ? 0 : current->row(0).int64(0));
  if (version == k_migrations.size()) {
    return transaction->commit();
  }
  if (auto applied = apply_migrations(
        k_migrations, version, [&connection](const char* sql) { return connection.exec(sql); });
      !applied) {
    return applied;
  }
  if (auto set = connection.query("INSERT INTO schema_version (version) VALUES ($1::integer) "
                                  "ON CONFLICT (only_row) DO UPDATE SET version = excluded.version",
                                  sql_values(static_cast<std::int64_t>(k_migrations.size())));
      !set) {
    return std::unexpected(set.error());
  }
  return transaction->commit();
}

} // namespace reactor::store::postgres
