#include "reactor/store/postgres/postgres_store.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/random.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <libpq-fe.h>
#include <mutex>
#include <poll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <unordered_map>
#include <utility>

namespace reactor::store::postgres {

namespace {

using namespace std::chrono_literals;
using core::Error;
using core::fail;

// Each entry moves the schema from version i to i + 1; append, never edit.
constexpr std::array<const char*, 2> k_migrations{
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
};

// Keys of transaction-level advisory locks, the same in every Reactor process.
constexpr std::int64_t k_migration_lock = 0x5245414354000001;
constexpr std::int64_t k_event_order_lock = 0x5245414354000002;

constexpr std::size_t k_max_connections = 8;
constexpr int k_reset_attempts = 6;
constexpr std::chrono::milliseconds k_first_backoff = 100ms;
constexpr std::chrono::milliseconds k_max_backoff = 5s;
constexpr std::size_t k_token_bytes = 16;
constexpr std::size_t k_instance_bytes = 8;

std::int64_t
now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string
dead_letter_reason()
{
  return "the build was attempted " + std::to_string(k_max_receives) +
         " times and the worker never finished (crashed or lost); it was moved to the "
         "dead-letter queue — redrive it once the workers are healthy";
}

// The URL without its password, for messages.
std::string
redacted(const std::string& url)
{
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return url;
  }
  auto authority = scheme_end + 3;
  auto at = url.find('@', authority);
  auto colon = url.find(':', authority);
  if (at == std::string::npos || colon == std::string::npos || colon > at ||
      url.find('/', authority) < at) {
    return url;
  }
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// The first line of a libpq message.
std::string
first_line(const char* message)
{
  std::string_view text = message == nullptr ? "" : message;
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

Error
postgres_error(PGconn* connection, const PGresult* result, std::string_view sql)
{
  constexpr std::size_t k_shown = 80;
  const char* primary =
    result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  auto message = first_line(primary != nullptr ? primary : PQerrorMessage(connection));
  auto start = sql.find_first_not_of(" \n");
  sql = start == std::string_view::npos ? std::string_view{} : sql.substr(start);
  auto shown = sql.substr(0, std::min(sql.find('\n'), k_shown));
  return Error{ "PostgreSQL: " + message + " (in `" + std::string(shown) +
                (shown.size() < sql.size() ? "…" : "") + "`)" };
}

struct ConnectionCloser
{
  void operator()(PGconn* connection) const noexcept { PQfinish(connection); }
};
using ConnectionPtr = std::unique_ptr<PGconn, ConnectionCloser>;

struct ResultClearer
{
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

void
ignore_notice(void* /*unused*/, const char* /*message*/)
{
}

// Connects with defaults that the URL may override (later libpq keywords win).
ConnectionPtr
connect(const std::string& url)
{
  std::array<const char*, 8> keywords{
    "connect_timeout",     "fallback_application_name", "client_encoding", "keepalives_idle",
    "keepalives_interval", "keepalives_count",          "dbname",          nullptr
  };
  std::array<const char*, 8> values{
    "10", "reactor", "UTF8", "15", "5", "3", url.c_str(), nullptr
  };
  ConnectionPtr connection(PQconnectdbParams(keywords.data(), values.data(), 1));
  if (connection) {
    PQsetNoticeProcessor(connection.get(), &ignore_notice, nullptr);
  }
  return connection;
}

std::string
connection_failure(PGconn* connection)
{
  return connection == nullptr ? "out of memory" : first_line(PQerrorMessage(connection));
}

// The rows (or the change count) of one successful statement.
class Rows
{
public:
  explicit Rows(ResultPtr result)
    : m_result(std::move(result))
  {
  }

  int size() const { return PQntuples(m_result.get()); }

  // "" for NULL.
  std::string text(int row, int column) const
  {
    return { PQgetvalue(m_result.get(), row, column),
             static_cast<std::size_t>(PQgetlength(m_result.get(), row, column)) };
  }

  std::int64_t int64(int row, int column) const
  {
    return parse_int(PQgetvalue(m_result.get(), row, column));
  }

  // Rows inserted, updated or deleted.
  int changed() const { return static_cast<int>(parse_int(PQcmdTuples(m_result.get()))); }

private:
  static std::int64_t parse_int(std::string_view text)
  {
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }

  ResultPtr m_result;
};

std::string
to_param(std::int64_t value)
{
  return std::to_string(value);
}
std::string
to_param(int value)
{
  return std::to_string(value);
}
std::string
to_param(std::string_view value)
{
  return std::string(value);
}

// One session with the server, its prepared statements (prepared once, reused), and
// what the current operation did with it.
class Connection
{
public:
  static Result<std::unique_ptr<Connection>> open(const std::string& url)
  {
    auto connection = connect(url);
    if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
      return fail("PostgreSQL: cannot connect: " + connection_failure(connection.get()));
    }
    return std::unique_ptr<Connection>(new Connection(std::move(connection)));
  }

  // Binds the values and runs `sql` as a prepared statement. `sql` must be a constant:
  // it keys the statement cache.
  template<typename... Args>
  Result<Rows> query(std::string_view sql, const Args&... args)
  {
    std::array<std::string, sizeof...(Args)> texts{ to_param(args)... };
    std::array<const char*, sizeof...(Args)> values{};
    std::transform(
      texts.begin(), texts.end(), values.begin(), [](const auto& text) { return text.c_str(); });
    return run_prepared(sql, static_cast<int>(values.size()), values.data());
  }

  // Runs constant SQL (no values), possibly several statements.
  Result<void> exec(const char* sql)
  {
    ResultPtr result(PQexec(m_connection.get(), sql));
    auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return std::unexpected(postgres_error(m_connection.get(), result.get(), sql));
    }
    return {};
  }

  bool broken() const { return PQstatus(m_connection.get()) == CONNECTION_BAD; }
  bool in_transaction() const { return PQtransactionStatus(m_connection.get()) != PQTRANS_IDLE; }

  // Reconnects (PQreset) with backoff; fails when every attempt did.
  Result<void> reset()
  {
    m_prepared.clear();
    auto delay = k_first_backoff;
    for (int attempt = 1;; ++attempt) {
      PQreset(m_connection.get());
      if (PQstatus(m_connection.get()) == CONNECTION_OK) {
        return {};
      }
      if (attempt == k_reset_attempts) {
        return fail("PostgreSQL: cannot reconnect after " + std::to_string(attempt) +
                    " attempts: " + connection_failure(m_connection.get()));
      }
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, k_max_backoff);
    }
  }

  // The payload of this store's notifications: "<schema> <instance>".
  const std::string& notify_payload() const { return m_notify_payload; }
  void set_notify_payload(std::string payload) { m_notify_payload = std::move(payload); }

  // What the current operation did: cleared when it starts (and on its retry).
  void begin_operation() { m_sent_commit = m_sent_events = m_committed_events = false; }
  void sending_commit(bool with_events)
  {
    m_sent_commit = true;
    m_sent_events = with_events;
  }
  void committed() { m_committed_events = m_sent_events; }
  bool sent_commit() const { return m_sent_commit; }
  bool sent_events() const { return m_sent_events; }
  bool committed_events() const { return m_committed_events; }

private:
  explicit Connection(ConnectionPtr connection)
    : m_connection(std::move(connection))
  {
  }

  Result<Rows> run_prepared(std::string_view sql, int count, const char* const* values)
  {
    auto found = m_prepared.find(sql);
    if (found == m_prepared.end()) {
      auto name = "reactor_" + std::to_string(m_prepared.size());
      std::string text(sql);
      ResultPtr prepared(PQprepare(m_connection.get(), name.c_str(), text.c_str(), 0, nullptr));
      if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
        return std::unexpected(postgres_error(m_connection.get(), prepared.get(), sql));
      }
      found = m_prepared.emplace(sql, std::move(name)).first;
    }
    ResultPtr result(PQexecPrepared(
      m_connection.get(), found->second.c_str(), count, values, nullptr, nullptr, 0));
    auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return std::unexpected(postgres_error(m_connection.get(), result.get(), sql));
    }
    return Rows(std::move(result));
  }

  ConnectionPtr m_connection;
  std::unordered_map<std::string_view, std::string> m_prepared;
  std::string m_notify_payload;
  bool m_sent_commit = false;
  bool m_sent_events = false;
  bool m_committed_events = false;
};

struct PendingEvent
{
  std::string deployment_id;
  core::EventKind kind = core::EventKind::status;
  std::string status;
  std::string phase;
  std::string error;
  std::string line;
  std::int64_t at_ms = 0;
};

// How the events table names a kind.
std::string_view
kind_name(core::EventKind kind)
{
  switch (kind) {
    case core::EventKind::log:
      return "log";
    case core::EventKind::deleted:
      return "deleted";
    case core::EventKind::status:
      break;
  }
  return "status";
}

// A PostgreSQL array literal (a bound value, never SQL) of one field of every event;
// nullopt is NULL.
template<typename Field>
std::string
array_literal(const std::vector<PendingEvent>& events, Field field)
{
  std::string literal = "{";
  for (const auto& event : events) {
    if (literal.size() > 1) {
      literal += ',';
    }
    std::optional<std::string_view> value = field(event);
    if (!value) {
      literal += "NULL";
      continue;
    }
    literal += '"';
    for (char c : *value) {
      if (c == '"' || c == '\\') {
        literal += '\\';
      }
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

constexpr std::string_view k_begin_event_append =
  "SELECT pg_advisory_xact_lock($1::bigint), pg_notify('reactor_events', $2::text)";
constexpr std::string_view k_insert_events =
  "INSERT INTO events (deployment_id, kind, status, phase, error, line, at_ms) "
  "SELECT e.deployment_id, e.kind, e.status, e.phase, e.error, e.line, e.at_ms "
  "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
  "$7::bigint[]) WITH ORDINALITY AS e (deployment_id, kind, status, phase, error, line, at_ms, "
  "position) ORDER BY e.position";

// BEGIN on creation; ROLLBACK on scope exit unless committed. Events are buffered and
// written, in order, just before COMMIT.
class Transaction
{
public:
  static Result<Transaction> begin(Connection& connection)
  {
    if (auto begun = connection.exec("BEGIN"); !begun) {
      return std::unexpected(begun.error());
    }
    return Transaction(connection);
  }

  Transaction(Transaction&& other) noexcept
    : m_connection(std::exchange(other.m_connection, nullptr))
    , m_events(std::move(other.m_events))
  {
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() { rollback(); }

  void append_event(PendingEvent event) { m_events.push_back(std::move(event)); }

  Result<void> commit()
  {
    if (auto written = write_events(); !written) {
      return written;
    }
    m_connection->sending_commit(!m_events.empty());
    auto committed = m_connection->exec("COMMIT");
    if (committed) {
      m_connection->committed();
    }
    rollback();
    return committed;
  }

private:
  explicit Transaction(Connection& connection)
    : m_connection(&connection)
  {
  }

  // The lock makes event-appending transactions run this part and commit one at a time,
  // so seqs become visible in increasing order: a bigserial alone could commit seq 6
  // before seq 5, and a reader resuming after 6 would never see 5. It is taken after
  // every row lock of the transaction, so its holder never waits for another one.
  Result<void> write_events()
  {
    if (m_events.empty()) {
      return {};
    }
    if (auto locked = m_connection->query(
          k_begin_event_append, k_event_order_lock, m_connection->notify_payload());
        !locked) {
      return std::unexpected(locked.error());
    }
    using Text = std::optional<std::string_view>;
    auto is_status = [](const PendingEvent& event) {
      return event.kind == core::EventKind::status;
    };
    auto inserted = m_connection->query(
      k_insert_events,
      array_literal(m_events,
                    [](const PendingEvent& event) -> Text { return event.deployment_id; }),
      array_literal(m_events,
                    [](const PendingEvent& event) -> Text { return kind_name(event.kind); }),
      array_literal(m_events,
                    [&](const PendingEvent& event) -> Text {
                      return is_status(event) ? Text(event.status) : std::nullopt;
                    }),
      array_literal(m_events,
                    [&](const PendingEvent& event) -> Text {
                      return is_status(event) ? Text(event.phase) : std::nullopt;
                    }),
      array_literal(m_events,
                    [&](const PendingEvent& event) -> Text {
                      return is_status(event) ? Text(event.error) : std::nullopt;
                    }),
      array_literal(m_events,
                    [&](const PendingEvent& event) -> Text {
                      return event.kind == core::EventKind::log ? Text(event.line) : std::nullopt;
                    }),
      integer_array());
    if (!inserted) {
      return std::unexpected(inserted.error());
    }
    return {};
  }

  std::string integer_array() const
  {
    std::string literal = "{";
    for (const auto& event : m_events) {
      if (literal.size() > 1) {
        literal += ',';
      }
      literal += std::to_string(event.at_ms);
    }
    return literal + "}";
  }

  void rollback() noexcept
  {
    if (m_connection != nullptr && !m_connection->broken() && m_connection->in_transaction()) {
      (void)m_connection->exec("ROLLBACK");
    }
    m_connection = nullptr;
  }

  Connection* m_connection;
  std::vector<PendingEvent> m_events;
};

Result<void>
migrate(Connection& connection)
{
  auto transaction = Transaction::begin(connection);
  if (!transaction) {
    return std::unexpected(transaction.error());
  }
  // Processes starting at once queue here; each then finds the schema it needs.
  if (auto locked = connection.query("SELECT pg_advisory_xact_lock($1::bigint)", k_migration_lock);
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
  auto version = static_cast<std::size_t>(current->size() == 0 ? 0 : current->int64(0, 0));
  if (version > k_migrations.size()) {
    return fail("the database schema is at version " + std::to_string(version) +
                ", newer than this binary knows (" + std::to_string(k_migrations.size()) +
                "); upgrade Reactor");
  }
  if (version == k_migrations.size()) {
    return transaction->commit();
  }
  for (; version < k_migrations.size(); ++version) {
    if (auto applied = connection.exec(k_migrations[version]); !applied) {
      return fail("migration to schema version " + std::to_string(version + 1) +
                  " failed: " + applied.error().message);
    }
  }
  if (auto set = connection.query("INSERT INTO schema_version (version) VALUES ($1::integer) "
                                  "ON CONFLICT (only_row) DO UPDATE SET version = excluded.version",
                                  static_cast<std::int64_t>(k_migrations.size()));
      !set) {
    return std::unexpected(set.error());
  }
  return transaction->commit();
}

Result<core::Deployment>
read_deployment(const Rows& rows, int row)
{
  core::Deployment deployment;
  deployment.id = rows.text(row, 0);
  deployment.repo_url = rows.text(row, 1);
  deployment.ref = rows.text(row, 2);
  auto status = core::parse_status(rows.text(row, 3));
  auto phase = core::parse_phase(rows.text(row, 4));
  if (!status || !phase) {
    return fail("deployment '" + deployment.id + "' has an unknown status '" + rows.text(row, 3) +
                "' or phase '" + rows.text(row, 4) + "'");
  }
  deployment.status = *status;
  deployment.phase = *phase;
  deployment.error = rows.text(row, 5);
  deployment.commit = rows.text(row, 6);
  deployment.created_at_ms = rows.int64(row, 7);
  deployment.updated_at_ms = rows.int64(row, 8);
  auto settings = core::parse_build_settings(rows.text(row, 9));
  if (!settings) {
    return fail("deployment '" + deployment.id +
                "' has unreadable settings: " + settings.error().message);
  }
  deployment.settings = std::move(*settings);
  deployment.build_info = rows.text(row, 10);
  return deployment;
}

Result<core::Event>
read_event(const Rows& rows, int row)
{
  core::Event event;
  event.seq = rows.int64(row, 0);
  event.deployment_id = rows.text(row, 1);
  auto kind = rows.text(row, 2);
  if (kind == "log") {
    event.kind = core::EventKind::log;
    event.line = rows.text(row, 6);
    return event;
  }
  if (kind == "deleted") {
    event.kind = core::EventKind::deleted;
    return event;
  }
  event.kind = core::EventKind::status;
  auto status = core::parse_status(rows.text(row, 3));
  auto phase = core::parse_phase(rows.text(row, 4));
  if (kind != "status" || !status || !phase) {
    return fail("event " + std::to_string(event.seq) + " is malformed (kind '" + kind +
                "', status '" + rows.text(row, 3) + "', phase '" + rows.text(row, 4) + "')");
  }
  event.status = *status;
  event.phase = *phase;
  event.error = rows.text(row, 5);
  return event;
}

constexpr std::string_view k_select_deployment =
  "SELECT id, repo_url, ref, status, phase, error, commit_sha, created_at_ms, updated_at_ms, "
  "settings, build_info FROM deployments WHERE id = $1";
constexpr std::string_view k_list_deployments =
  "SELECT id, repo_url, ref, status, phase, error, commit_sha, created_at_ms, updated_at_ms, "
  "settings, build_info FROM deployments ORDER BY created_at_ms DESC, position DESC LIMIT $1";
constexpr std::string_view k_lock_status =
  "SELECT status FROM deployments WHERE id = $1 FOR NO KEY UPDATE";
constexpr std::string_view k_insert_deployment =
  "INSERT INTO deployments (id, repo_url, ref, status, commit_sha, created_at_ms, "
  "updated_at_ms, settings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING";
constexpr std::string_view k_update_deployment =
  "UPDATE deployments SET status = $2, phase = $3, error = $4, "
  "commit_sha = COALESCE(NULLIF($5::text, ''), commit_sha), updated_at_ms = $6, "
  "build_info = COALESCE(NULLIF($7::text, ''), build_info) WHERE id = $1";
constexpr std::string_view k_insert_job =
  "INSERT INTO jobs (deployment_id, receives, visible_at_ms, lease_token, enqueued_at_ms) "
  "VALUES ($1, 0, $2, NULL, $2)";
// Rows another transaction holds are skipped, never waited for: concurrent leasers each
// get a different job.
constexpr std::string_view k_next_visible_job =
  "SELECT j.id, j.deployment_id, j.receives, d.status FROM jobs j "
  "JOIN deployments d ON d.id = j.deployment_id WHERE j.visible_at_ms <= $1 "
  "ORDER BY j.visible_at_ms, j.id LIMIT 1 "
  "FOR UPDATE OF j SKIP LOCKED FOR NO KEY UPDATE OF d SKIP LOCKED";
constexpr std::string_view k_lease_job =
  "UPDATE jobs SET receives = receives + 1, visible_at_ms = $2, lease_token = $3 WHERE id = $1";
constexpr std::string_view k_extend_lease =
  "UPDATE jobs SET visible_at_ms = $3 WHERE id = $1 AND lease_token = $2";
constexpr std::string_view k_release_job =
  "UPDATE jobs SET visible_at_ms = $3, receives = GREATEST(receives - 1, 0), lease_token = NULL "
  "WHERE id = $1 AND lease_token = $2";
constexpr std::string_view k_leased_job_deployment =
  "SELECT deployment_id FROM jobs WHERE id = $1 AND lease_token = $2 FOR UPDATE";
constexpr std::string_view k_delete_job = "DELETE FROM jobs WHERE id = $1";
constexpr std::string_view k_insert_dead_letter =
  "INSERT INTO dead_letters (deployment_id, receives, reason, dead_at_ms) "
  "VALUES ($1, $2, $3, $4) ON CONFLICT (deployment_id) DO UPDATE SET "
  "receives = excluded.receives, reason = excluded.reason, dead_at_ms = excluded.dead_at_ms";
constexpr std::string_view k_list_dead_letters =
  "SELECT deployment_id, receives, reason, dead_at_ms FROM dead_letters ORDER BY dead_at_ms, "
  "deployment_id";
constexpr std::string_view k_delete_dead_letter =
  "DELETE FROM dead_letters WHERE deployment_id = $1";
// Locks the row, so a redrive cannot queue the deployment while it is being deleted.
constexpr std::string_view k_select_status_and_jobs =
  "SELECT status, (SELECT COUNT(*) FROM jobs WHERE deployment_id = $1 AND lease_token IS NOT "
  "NULL AND visible_at_ms > $2) FROM deployments WHERE id = $1 FOR UPDATE";
constexpr std::string_view k_delete_events = "DELETE FROM events WHERE deployment_id = $1";
constexpr std::string_view k_delete_jobs = "DELETE FROM jobs WHERE deployment_id = $1";
constexpr std::string_view k_delete_deployment = "DELETE FROM deployments WHERE id = $1";
constexpr std::string_view k_deployment_statuses = "SELECT id, status FROM deployments";
constexpr std::string_view k_events_after =
  "SELECT seq, deployment_id, kind, status, phase, error, line FROM events "
  "WHERE seq > $1 ORDER BY seq LIMIT $2";
constexpr std::string_view k_deployment_events_after =
  "SELECT seq, deployment_id, kind, status, phase, error, line FROM events "
  "WHERE deployment_id = $3 AND seq > $1 ORDER BY seq LIMIT $2";
constexpr std::string_view k_last_event_seq = "SELECT COALESCE(MAX(seq), 0) FROM events";

// Connections shared by the threads of one store: each operation borrows one.
class Pool
{
public:
  // Returns its connection to the pool when destroyed.
  class Borrowed
  {
  public:
    Borrowed(Pool& pool, std::unique_ptr<Connection> connection)
      : m_pool(&pool)
      , m_connection(std::move(connection))
    {
    }
    Borrowed(Borrowed&& other) noexcept = default;
    Borrowed(const Borrowed&) = delete;
    Borrowed& operator=(const Borrowed&) = delete;
    Borrowed& operator=(Borrowed&&) = delete;
    ~Borrowed()
    {
      if (m_connection) {
        m_pool->give_back(std::move(m_connection));
      }
    }

    Connection& operator*() const { return *m_connection; }

  private:
    Pool* m_pool;
    std::unique_ptr<Connection> m_connection;
  };

  Pool(std::string url, std::string notify_payload, std::unique_ptr<Connection> first)
    : m_url(std::move(url))
    , m_notify_payload(std::move(notify_payload))
    , m_open(1)
  {
    first->set_notify_payload(m_notify_payload);
    m_idle.push_back(std::move(first));
  }

  // An idle connection (reset first if it broke), a new one, or the first returned.
  Result<Borrowed> acquire()
  {
    std::unique_lock lock(m_mutex);
    m_available.wait(lock, [this] { return !m_idle.empty() || m_open < k_max_connections; });
    if (!m_idle.empty()) {
      auto connection = std::move(m_idle.back());
      m_idle.pop_back();
      lock.unlock();
      Borrowed borrowed(*this, std::move(connection));
      if ((*borrowed).broken()) {
        if (auto reset = (*borrowed).reset(); !reset) {
          return std::unexpected(reset.error());
        }
      }
      return borrowed;
    }
    ++m_open;
    lock.unlock();
    auto connection = Connection::open(m_url);
    if (!connection) {
      std::scoped_lock relock(m_mutex);
      --m_open;
      m_available.notify_one();
      return std::unexpected(connection.error());
    }
    (*connection)->set_notify_payload(m_notify_payload);
    return Borrowed(*this, std::move(*connection));
  }

private:
  void give_back(std::unique_ptr<Connection> connection)
  {
    std::scoped_lock lock(m_mutex);
    m_idle.push_back(std::move(connection));
    m_available.notify_one();
  }

  std::string m_url;
  std::string m_notify_payload;
  std::mutex m_mutex;
  std::condition_variable m_available;
  std::vector<std::unique_ptr<Connection>> m_idle;
  std::size_t m_open;
};

// A thread with its own connection that LISTENs for the commits of other store instances
// (in this process or another) on the same schema, and runs `wake` after each batch of
// them and once after every reconnection (events may have been missed meanwhile).
class Listener
{
public:
  static std::unique_ptr<Listener> start(const std::string& url,
                                         std::string schema,
                                         std::string instance,
                                         std::function<void()> wake)
  {
    auto connection = connect(url);
    bool listening =
      connection && PQstatus(connection.get()) == CONNECTION_OK && listen(connection.get());
    return std::unique_ptr<Listener>(new Listener(
      std::move(connection), listening, std::move(schema), std::move(instance), std::move(wake)));
  }

  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  Listener(Listener&&) = delete;
  Listener& operator=(Listener&&) = delete;
  ~Listener()
  {
    std::uint64_t one = 1;
    [[maybe_unused]] auto written = write(m_stop_fd, &one, sizeof one);
    m_thread.join();
    close(m_stop_fd);
  }

private:
  Listener(ConnectionPtr connection,
           bool listening,
           std::string schema,
           std::string instance,
           std::function<void()> wake)
    : m_schema(std::move(schema))
    , m_instance(std::move(instance))
    , m_wake(std::move(wake))
    , m_stop_fd(eventfd(0, EFD_CLOEXEC))
  {
    if (m_stop_fd < 0) {
      throw std::system_error(errno, std::generic_category(), "eventfd");
    }
    m_thread = std::thread([this, connection = std::move(connection), listening]() mutable {
      loop(std::move(connection), listening);
    });
  }

  static bool listen(PGconn* connection)
  {
    ResultPtr result(PQexec(connection, "LISTEN reactor_events"));
    return PQresultStatus(result.get()) == PGRES_COMMAND_OK;
  }

  void loop(ConnectionPtr connection, bool listening)
  {
    auto delay = k_first_backoff;
    for (;;) {
      if (!listening) {
        if (connection) {
          PQreset(connection.get());
        }
        if (connection && PQstatus(connection.get()) == CONNECTION_OK && listen(connection.get())) {
          listening = true;
          delay = k_first_backoff;
          m_wake();
          continue;
        }
        if (stop_requested(delay)) {
          return;
        }
        delay = std::min(delay * 2, k_max_backoff);
        continue;
      }
      int socket = PQsocket(connection.get());
      if (socket < 0) {
        listening = false;
        continue;
      }
      std::array<pollfd, 2> fds{ pollfd{ .fd = socket, .events = POLLIN, .revents = 0 },
                                 pollfd{ .fd = m_stop_fd, .events = POLLIN, .revents = 0 } };
      if (poll(fds.data(), fds.size(), -1) < 0) {
        if (errno != EINTR) {
          listening = false;
        }
        continue;
      }
      if (fds[1].revents != 0) {
        return;
      }
      if (PQconsumeInput(connection.get()) == 0) {
        listening = false;
        continue;
      }
      bool relevant = false;
      while (PGnotify* notification = PQnotifies(connection.get())) {
        relevant = relevant || from_another_instance(notification->extra);
        PQfreemem(notification);
      }
      if (relevant) {
        m_wake();
      }
      if (PQstatus(connection.get()) == CONNECTION_BAD) {
        listening = false;
      }
    }
  }

  // True when the stop was requested within `timeout`.
  bool stop_requested(std::chrono::milliseconds timeout) const
  {
    pollfd fd{ .fd = m_stop_fd, .events = POLLIN, .revents = 0 };
    return poll(&fd, 1, static_cast<int>(timeout.count())) > 0;
  }

  // Payloads are "<schema> <instance>": the same schema, and not this store's own commit
  // (those already ran the callbacks in the committing thread).
  bool from_another_instance(std::string_view payload) const
  {
    auto space = payload.rfind(' ');
    if (space == std::string_view::npos) {
      return false;
    }
    return payload.substr(0, space) == m_schema && payload.substr(space + 1) != m_instance;
  }

  std::string m_schema;
  std::string m_instance;
  std::function<void()> m_wake;
  int m_stop_fd;
  std::thread m_thread;
};

class PostgresStore final : public MetadataStore
{
public:
  PostgresStore(std::string url,
                std::string schema,
                std::string instance,
                std::unique_ptr<Connection> first)
    : m_url(std::move(url))
    , m_schema(std::move(schema))
    , m_instance(std::move(instance))
    , m_pool(m_url, m_schema + " " + m_instance, std::move(first))
  {
  }
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;
  PostgresStore(PostgresStore&&) = delete;
  PostgresStore& operator=(PostgresStore&&) = delete;
  ~PostgresStore() override { m_listener.reset(); }

  Result<void> create_deployment(const core::Deployment& deployment) override
  {
    return run("create deployment", deployment.id, [&](Connection& connection) -> Result<void> {
      if (deployment.id.empty()) {
        return fail("the id is empty");
      }
      auto transaction = Transaction::begin(connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto now = now_ms();
      auto created = deployment.created_at_ms != 0 ? deployment.created_at_ms : now;
      auto updated = deployment.updated_at_ms != 0 ? deployment.updated_at_ms : created;
      auto inserted = connection.query(k_insert_deployment,
                                       deployment.id,
                                       deployment.repo_url,
                                       deployment.ref,
                                       core::to_string(core::Status::pending),
                                       deployment.commit,
                                       created,
                                       updated,
                                       core::to_json(deployment.settings));
      if (!inserted) {
        return std::unexpected(inserted.error());
      }
      if (inserted->changed() == 0) {
        return fail("a deployment with this id already exists");
      }
      if (auto done = connection.query(k_insert_job, deployment.id, now); !done) {
        return std::unexpected(done.error());
      }
      transaction->append_event(
        status_event(deployment.id, core::Status::pending, core::Phase::none, "", now));
      return transaction->commit();
    });
  }

  Result<std::optional<core::Deployment>> find_deployment(std::string_view id) override
  {
    return run("find deployment",
               id,
               [&](Connection& connection) -> Result<std::optional<core::Deployment>> {
                 auto rows = connection.query(k_select_deployment, id);
                 if (!rows) {
                   return std::unexpected(rows.error());
                 }
                 if (rows->size() == 0) {
                   return std::nullopt;
                 }
                 auto deployment = read_deployment(*rows, 0);
                 if (!deployment) {
                   return std::unexpected(deployment.error());
                 }
                 return std::move(*deployment);
               });
  }

  Result<std::vector<core::Deployment>> list_deployments(int limit) override
  {
    return run(
      "list deployments", "", [&](Connection& connection) -> Result<std::vector<core::Deployment>> {
        auto rows = connection.query(k_list_deployments, limit);
        if (!rows) {
          return std::unexpected(rows.error());
        }
        std::vector<core::Deployment> deployments;
        for (int row = 0; row < rows->size(); ++row) {
          auto deployment = read_deployment(*rows, row);
          if (!deployment) {
            return std::unexpected(deployment.error());
          }
          deployments.push_back(std::move(*deployment));
        }
        return deployments;
      });
  }

  Result<bool> update_status(const core::StatusChange& change) override
  {
    return run("update the status of deployment",
               change.deployment_id,
               [&](Connection& connection) -> Result<bool> {
                 auto transaction = Transaction::begin(connection);
                 if (!transaction) {
                   return std::unexpected(transaction.error());
                 }
                 auto applied = apply_change(connection, *transaction, change, now_ms());
                 if (!applied || !*applied) {
                   return applied;
                 }
                 if (auto committed = transaction->commit(); !committed) {
                   return std::unexpected(committed.error());
                 }
                 return true;
               });
  }

  Result<void> append_logs(std::string_view deployment_id,
                           std::span<const std::string> lines) override
  {
    return run(
      "append logs of deployment", deployment_id, [&](Connection& connection) -> Result<void> {
        if (lines.empty()) {
          return {};
        }
        auto transaction = Transaction::begin(connection);
        if (!transaction) {
          return std::unexpected(transaction.error());
        }
        auto now = now_ms();
        for (const auto& line : lines) {
          transaction->append_event(PendingEvent{ .deployment_id = std::string(deployment_id),
                                                  .kind = core::EventKind::log,
                                                  .status = {},
                                                  .phase = {},
                                                  .error = {},
                                                  .line = line,
                                                  .at_ms = now });
        }
        return transaction->commit();
      });
  }

  Result<std::vector<core::Event>> events_after(std::int64_t after,
                                                std::string_view deployment_id,
                                                int limit) override
  {
    return run("read events of deployment",
               deployment_id,
               [&](Connection& connection) -> Result<std::vector<core::Event>> {
                 auto rows =
                   deployment_id.empty()
                     ? connection.query(k_events_after, after, limit)
                     : connection.query(k_deployment_events_after, after, limit, deployment_id);
                 if (!rows) {
                   return std::unexpected(rows.error());
                 }
                 std::vector<core::Event> events;
                 for (int row = 0; row < rows->size(); ++row) {
                   auto event = read_event(*rows, row);
                   if (!event) {
                     return std::unexpected(event.error());
                   }
                   events.push_back(std::move(*event));
                 }
                 return events;
               });
  }

  Result<std::int64_t> last_event_seq() override
  {
    return run(
      "read the last event sequence", "", [&](Connection& connection) -> Result<std::int64_t> {
        auto rows = connection.query(k_last_event_seq);
        if (!rows) {
          return std::unexpected(rows.error());
        }
        return rows->int64(0, 0);
      });
  }

  Result<std::optional<Job>> lease_job(std::chrono::milliseconds lease) override
  {
    return run("lease a job", "", [&](Connection& connection) -> Result<std::optional<Job>> {
      auto transaction = Transaction::begin(connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto now = now_ms();
      for (;;) {
        auto candidate = next_visible_job(connection, now);
        if (!candidate) {
          return std::unexpected(candidate.error());
        }
        if (!*candidate) {
          if (auto committed = transaction->commit(); !committed) {
            return std::unexpected(committed.error());
          }
          return std::nullopt;
        }
        auto& [job, status] = **candidate;
        if (core::is_final(status)) {
          if (auto done = connection.query(k_delete_job, job.id); !done) {
            return std::unexpected(done.error());
          }
          continue;
        }
        if (job.receives >= k_max_receives) {
          if (auto done = dead_letter(connection, *transaction, job, now); !done) {
            return std::unexpected(done.error());
          }
          util::log::warn("job.dead_lettered",
                          { { "id", job.deployment_id }, { "receives", job.receives } });
          continue;
        }
        job.lease_token = util::random_hex(k_token_bytes);
        job.receives += 1;
        if (auto done = connection.query(k_lease_job, job.id, now + lease.count(), job.lease_token);
            !done) {
          return std::unexpected(done.error());
        }
        if (auto committed = transaction->commit(); !committed) {
          return std::unexpected(committed.error());
        }
        return std::move(job);
      }
    });
  }

  Result<bool> extend_lease(const Job& job, std::chrono::milliseconds lease) override
  {
    return run("extend the lease of deployment",
               job.deployment_id,
               [&](Connection& connection) -> Result<bool> {
                 auto changed = connection.query(
                   k_extend_lease, job.id, job.lease_token, now_ms() + lease.count());
                 if (!changed) {
                   return std::unexpected(changed.error());
                 }
                 return changed->changed() == 1;
               });
  }

  Result<bool> finish_job(const Job& job, const core::StatusChange& change) override
  {
    return run("finish the job of deployment",
               job.deployment_id,
               [&](Connection& connection) -> Result<bool> {
                 auto transaction = Transaction::begin(connection);
                 if (!transaction) {
                   return std::unexpected(transaction.error());
                 }
                 auto holder = connection.query(k_leased_job_deployment, job.id, job.lease_token);
                 if (!holder) {
                   return std::unexpected(holder.error());
                 }
                 if (holder->size() == 0) {
                   return false;
                 }
                 auto deployment_id = holder->text(0, 0);
                 if (!change.deployment_id.empty() && change.deployment_id != deployment_id) {
                   return fail("the job belongs to deployment '" + deployment_id + "', not to '" +
                               change.deployment_id + "'");
                 }
                 core::StatusChange applied_change = change;
                 applied_change.deployment_id = deployment_id;
                 if (auto applied =
                       apply_change(connection, *transaction, applied_change, now_ms());
                     !applied) {
                   return applied;
                 }
                 if (auto done = connection.query(k_delete_job, job.id); !done) {
                   return std::unexpected(done.error());
                 }
                 if (auto committed = transaction->commit(); !committed) {
                   return std::unexpected(committed.error());
                 }
                 return true;
               });
  }

  Result<void> release_job(const Job& job) override
  {
    return run("release the job of deployment",
               job.deployment_id,
               [&](Connection& connection) -> Result<void> {
                 auto changed = connection.query(k_release_job, job.id, job.lease_token, now_ms());
                 if (!changed) {
                   return std::unexpected(changed.error());
                 }
                 return {};
               });
  }

  Result<std::vector<DeadLetter>> list_dead_letters() override
  {
    return run(
      "list dead letters", "", [&](Connection& connection) -> Result<std::vector<DeadLetter>> {
        auto rows = connection.query(k_list_dead_letters);
        if (!rows) {
          return std::unexpected(rows.error());
        }
        std::vector<DeadLetter> letters;
        for (int row = 0; row < rows->size(); ++row) {
          letters.push_back(DeadLetter{ .deployment_id = rows->text(row, 0),
                                        .receives = static_cast<int>(rows->int64(row, 1)),
                                        .reason = rows->text(row, 2),
                                        .dead_at_ms = rows->int64(row, 3) });
        }
        return letters;
      });
  }

  Result<StoreCounts> counts() override
  {
    return run(
      "count deployments and jobs", "", [&](Connection& connection) -> Result<StoreCounts> {
        auto rows = connection.query(k_counts_query);
        if (!rows) {
          return std::unexpected(rows.error());
        }
        StoreCounts counts;
        for (int row = 0; row < rows->size(); ++row) {
          counts.emplace_back(rows->text(row, 0), rows->int64(row, 1));
        }
        return counts;
      });
  }

  Result<DeleteOutcome> delete_deployment(std::string_view id) override
  {
    return run("delete deployment", id, [&](Connection& connection) -> Result<DeleteOutcome> {
      auto transaction = Transaction::begin(connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto rows = connection.query(k_select_status_and_jobs, id, now_ms());
      if (!rows) {
        return std::unexpected(rows.error());
      }
      if (rows->size() == 0) {
        return DeleteOutcome::unknown;
      }
      const auto status = core::parse_status(rows->text(0, 0));
      if (!status || !core::is_final(*status) || rows->int64(0, 1) != 0) {
        return DeleteOutcome::busy;
      }
      for (const auto sql :
           { k_delete_dead_letter, k_delete_jobs, k_delete_events, k_delete_deployment }) {
        if (auto done = connection.query(sql, id); !done) {
          return std::unexpected(done.error());
        }
      }
      transaction->append_event(PendingEvent{ .deployment_id = std::string(id),
                                              .kind = core::EventKind::deleted,
                                              .status = {},
                                              .phase = {},
                                              .error = {},
                                              .line = {},
                                              .at_ms = now_ms() });
      if (auto committed = transaction->commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return DeleteOutcome::deleted;
    });
  }

  Result<std::vector<DeploymentStatus>> deployment_statuses() override
  {
    return run("list deployment statuses",
               "",
               [&](Connection& connection) -> Result<std::vector<DeploymentStatus>> {
                 auto rows = connection.query(k_deployment_statuses);
                 if (!rows) {
                   return std::unexpected(rows.error());
                 }
                 std::vector<DeploymentStatus> statuses;
                 for (int row = 0; row < rows->size(); ++row) {
                   auto status = core::parse_status(rows->text(row, 1));
                   if (!status) {
                     return fail("deployment '" + rows->text(row, 0) + "' has an unknown status");
                   }
                   statuses.push_back({ rows->text(row, 0), *status });
                 }
                 return statuses;
               });
  }

  Result<bool> redrive(std::string_view deployment_id) override
  {
    return run("redrive deployment", deployment_id, [&](Connection& connection) -> Result<bool> {
      auto transaction = Transaction::begin(connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto removed = connection.query(k_delete_dead_letter, deployment_id);
      if (!removed) {
        return std::unexpected(removed.error());
      }
      if (removed->changed() == 0) {
        return false;
      }
      auto now = now_ms();
      if (auto done = connection.query(k_insert_job, deployment_id, now); !done) {
        return std::unexpected(done.error());
      }
      if (auto done = set_status(connection,
                                 *transaction,
                                 core::StatusChange{ .deployment_id = std::string(deployment_id),
                                                     .status = core::Status::pending,
                                                     .phase = core::Phase::none,
                                                     .error = {},
                                                     .commit = {},
                                                     .build_info = {} },
                                 now);
          !done) {
        return std::unexpected(done.error());
      }
      if (auto committed = transaction->commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return true;
    });
  }

  void on_change(std::function<void()> callback) override
  {
    std::scoped_lock lock(m_callbacks_mutex);
    m_callbacks.push_back(std::move(callback));
    if (!m_listener) {
      m_listener = Listener::start(m_url, m_schema, m_instance, [this] { run_callbacks(); });
    }
  }

private:
  struct Candidate
  {
    Job job;
    core::Status status;
  };

  // Runs `body` on a pooled connection and names the failed operation in its error. When
  // the connection broke before COMMIT was sent (so nothing was applied), reconnects and
  // runs `body` once more. Runs the change callbacks when events were (or may have been)
  // committed.
  template<typename Body>
  std::invoke_result_t<Body&, Connection&> run(std::string_view what,
                                               std::string_view subject,
                                               Body&& body)
  {
    bool notify = false;
    auto result = [&]() -> std::invoke_result_t<Body&, Connection&> {
      auto borrowed = m_pool.acquire();
      if (!borrowed) {
        return std::unexpected(borrowed.error());
      }
      Connection& connection = **borrowed;
      for (int attempt = 1;; ++attempt) {
        connection.begin_operation();
        auto outcome = body(connection);
        notify = connection.committed_events();
        if (outcome || !connection.broken()) {
          return outcome;
        }
        if (connection.sent_commit()) {
          notify = connection.sent_events();
          return fail(outcome.error().message +
                      "; the connection was lost during COMMIT, so the change may or may not "
                      "have been applied");
        }
        if (attempt == 2) {
          return outcome;
        }
        if (auto reset = connection.reset(); !reset) {
          return fail(outcome.error().message + "; " + reset.error().message);
        }
      }
    }();
    if (notify) {
      run_callbacks();
    }
    if (!result) {
      std::string message = "cannot " + std::string(what);
      if (!subject.empty()) {
        message += " '" + std::string(subject) + "'";
      }
      return fail(message + ": " + result.error().message);
    }
    return result;
  }

  void run_callbacks()
  {
    std::vector<std::function<void()>> callbacks;
    {
      std::scoped_lock lock(m_callbacks_mutex);
      callbacks = m_callbacks;
    }
    for (const auto& callback : callbacks) {
      callback();
    }
  }

  static PendingEvent status_event(std::string_view id,
                                   core::Status status,
                                   core::Phase phase,
                                   std::string_view error,
                                   std::int64_t now)
  {
    return PendingEvent{ .deployment_id = std::string(id),
                         .kind = core::EventKind::status,
                         .status = std::string(core::to_string(status)),
                         .phase = std::string(core::to_string(phase)),
                         .error = std::string(error),
                         .line = {},
                         .at_ms = now };
  }

  // Writes the change and queues its event unconditionally (inside the transaction).
  static Result<void> set_status(Connection& connection,
                                 Transaction& transaction,
                                 const core::StatusChange& change,
                                 std::int64_t now)
  {
    auto changed = connection.query(k_update_deployment,
                                    change.deployment_id,
                                    core::to_string(change.status),
                                    core::to_string(change.phase),
                                    change.error,
                                    change.commit,
                                    now,
                                    change.build_info);
    if (!changed) {
      return std::unexpected(changed.error());
    }
    transaction.append_event(
      status_event(change.deployment_id, change.status, change.phase, change.error, now));
    return {};
  }

  // False (nothing written) when the deployment is unknown or already final. Locks the
  // deployment's row until the transaction ends, so the check stays true.
  static Result<bool> apply_change(Connection& connection,
                                   Transaction& transaction,
                                   const core::StatusChange& change,
                                   std::int64_t now)
  {
    auto current = connection.query(k_lock_status, change.deployment_id);
    if (!current) {
      return std::unexpected(current.error());
    }
    if (current->size() == 0) {
      return false;
    }
    auto status = core::parse_status(current->text(0, 0));
    if (!status) {
      return fail("deployment '" + change.deployment_id + "' has an unknown status '" +
                  current->text(0, 0) + "'");
    }
    if (core::is_final(*status)) {
      return false;
    }
    if (auto done = set_status(connection, transaction, change, now); !done) {
      return std::unexpected(done.error());
    }
    return true;
  }

  static Result<std::optional<Candidate>> next_visible_job(Connection& connection, std::int64_t now)
  {
    auto rows = connection.query(k_next_visible_job, now);
    if (!rows) {
      return std::unexpected(rows.error());
    }
    if (rows->size() == 0) {
      return std::nullopt;
    }
    auto status = core::parse_status(rows->text(0, 3));
    if (!status) {
      return fail("deployment '" + rows->text(0, 1) + "' has an unknown status '" +
                  rows->text(0, 3) + "'");
    }
    return Candidate{ .job = Job{ .id = rows->int64(0, 0),
                                  .deployment_id = rows->text(0, 1),
                                  .receives = static_cast<int>(rows->int64(0, 2)),
                                  .lease_token = {} },
                      .status = *status };
  }

  static Result<void> dead_letter(Connection& connection,
                                  Transaction& transaction,
                                  const Job& job,
                                  std::int64_t now)
  {
    auto reason = dead_letter_reason();
    if (auto done =
          connection.query(k_insert_dead_letter, job.deployment_id, job.receives, reason, now);
        !done) {
      return std::unexpected(done.error());
    }
    if (auto done = connection.query(k_delete_job, job.id); !done) {
      return std::unexpected(done.error());
    }
    return set_status(connection,
                      transaction,
                      core::StatusChange{ .deployment_id = job.deployment_id,
                                          .status = core::Status::error,
                                          .phase = core::Phase::none,
                                          .error = reason,
                                          .commit = {},
                                          .build_info = {} },
                      now);
  }

  std::string m_url;
  std::string m_schema;
  std::string m_instance;
  Pool m_pool;
  std::mutex m_callbacks_mutex;
  std::vector<std::function<void()>> m_callbacks;
  std::unique_ptr<Listener> m_listener; // stopped first: its thread runs the callbacks
};

} // namespace

core::Result<std::unique_ptr<MetadataStore>>
create_store(const std::string& url)
{
  auto prefix = "cannot open the metadata store " + redacted(url) + ": ";
  if (!url.starts_with("postgres://") && !url.starts_with("postgresql://")) {
    return fail(prefix + "not a postgres:// URL");
  }
  auto connection = Connection::open(url);
  if (!connection) {
    return fail(prefix + connection.error().message);
  }
  if (auto migrated = migrate(**connection); !migrated) {
    return fail(prefix + migrated.error().message);
  }
  auto schema = (*connection)->query("SELECT current_schema()");
  if (!schema) {
    return fail(prefix + schema.error().message);
  }
  return std::make_unique<PostgresStore>(
    url, schema->text(0, 0), util::random_hex(k_instance_bytes), std::move(*connection));
}

} // namespace reactor::store::postgres
