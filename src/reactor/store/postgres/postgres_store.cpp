#include "reactor/store/postgres/postgres_store.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/store/backend_support.hpp"
#include "reactor/store/postgres/connection.hpp"
#include "reactor/store/postgres/listener.hpp"
#include "reactor/store/postgres/schema.hpp"
#include "reactor/store/postgres/transaction.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/random.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace reactor::store::postgres {

namespace {

using namespace std::chrono_literals;
using core::fail;

constexpr std::size_t k_token_bytes = 16;
constexpr std::size_t k_instance_bytes = 8;

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

Result<std::vector<core::Event>>
read_events(const Rows& rows)
{
  std::vector<core::Event> events;
  for (int row = 0; row < rows.size(); ++row) {
    auto event = read_event(rows, row);
    if (!event) {
      return std::unexpected(event.error());
    }
    events.push_back(std::move(*event));
  }
  return events;
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
constexpr std::string_view k_deletions_after =
  "SELECT seq, deployment_id, kind, status, phase, error, line FROM events "
  "WHERE kind = 'deleted' AND seq > $1 ORDER BY seq LIMIT $2";
constexpr std::string_view k_last_event_seq = "SELECT COALESCE(MAX(seq), 0) FROM events";

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
                 return read_events(*rows);
               });
  }

  Result<std::vector<core::Event>> deletions_after(std::int64_t after, int limit) override
  {
    return run(
      "read deletions", "", [&](Connection& connection) -> Result<std::vector<core::Event>> {
        auto rows = connection.query(k_deletions_after, after, limit);
        if (!rows) {
          return std::unexpected(rows.error());
        }
        return read_events(*rows);
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
      std::vector<Job> dead_lettered;
      for (;;) {
        auto candidate = next_visible_job(connection, now);
        if (!candidate) {
          return std::unexpected(candidate.error());
        }
        if (!*candidate) {
          if (auto committed = transaction->commit(); !committed) {
            return std::unexpected(committed.error());
          }
          log_dead_lettered(dead_lettered);
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
          dead_lettered.push_back(job);
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
        log_dead_lettered(dead_lettered);
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
        letters.reserve(static_cast<std::size_t>(rows->size()));
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
