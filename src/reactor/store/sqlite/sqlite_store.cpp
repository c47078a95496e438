#include "reactor/store/sqlite/sqlite_store.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/store/backend_support.hpp"
#include "reactor/store/sqlite/checkpointer.hpp"
#include "reactor/store/sqlite/connection.hpp"
#include "reactor/store/sqlite/schema.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/random.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace reactor::store::sqlite {

namespace {

using core::fail;

constexpr std::size_t k_token_bytes = 16;

Result<core::Deployment>
read_deployment(const Statement& row)
{
  core::Deployment deployment;
  deployment.id = row.text(0);
  deployment.repo_url = row.text(1);
  deployment.ref = row.text(2);
  auto status = core::parse_status(row.text(3));
  auto phase = core::parse_phase(row.text(4));
  if (!status || !phase) {
    return fail("deployment '" + deployment.id + "' has an unknown status '" + row.text(3) +
                "' or phase '" + row.text(4) + "'");
  }
  deployment.status = *status;
  deployment.phase = *phase;
  deployment.error = row.text(5);
  deployment.commit = row.text(6);
  deployment.created_at_ms = row.int64(7);
  deployment.updated_at_ms = row.int64(8);
  auto settings = core::parse_build_settings(row.text(9));
  if (!settings) {
    return fail("deployment '" + deployment.id +
                "' has unreadable settings: " + settings.error().message);
  }
  deployment.settings = std::move(*settings);
  deployment.build_info = row.text(10);
  return deployment;
}

Result<core::Event>
read_event(const Statement& row)
{
  core::Event event;
  event.seq = row.int64(0);
  event.deployment_id = row.text(1);
  auto kind = row.text(2);
  if (kind == "log") {
    event.kind = core::EventKind::log;
    event.line = row.text(6);
    return event;
  }
  if (kind == "deleted") {
    event.kind = core::EventKind::deleted;
    return event;
  }
  event.kind = core::EventKind::status;
  auto status = core::parse_status(row.text(3));
  auto phase = core::parse_phase(row.text(4));
  if (kind != "status" || !status || !phase) {
    return fail("event " + std::to_string(event.seq) + " is malformed (kind '" + kind +
                "', status '" + row.text(3) + "', phase '" + row.text(4) + "')");
  }
  event.status = *status;
  event.phase = *phase;
  event.error = row.text(5);
  return event;
}

Result<std::vector<core::Event>>
read_events(Statement& query)
{
  std::vector<core::Event> events;
  for (;;) {
    auto row = query.step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return events;
    }
    auto event = read_event(query);
    if (!event) {
      return std::unexpected(event.error());
    }
    events.push_back(std::move(*event));
  }
}

constexpr std::string_view k_select_deployment =
  "SELECT id, repo_url, ref, status, phase, error, commit_sha, created_at_ms, updated_at_ms, "
  "settings, build_info FROM deployments WHERE id = ?1";
constexpr std::string_view k_list_deployments =
  "SELECT id, repo_url, ref, status, phase, error, commit_sha, created_at_ms, updated_at_ms, "
  "settings, build_info FROM deployments ORDER BY created_at_ms DESC, rowid DESC LIMIT ?1";
constexpr std::string_view k_select_status = "SELECT status FROM deployments WHERE id = ?1";
constexpr std::string_view k_insert_deployment =
  "INSERT INTO deployments (id, repo_url, ref, status, phase, error, commit_sha, "
  "created_at_ms, updated_at_ms, settings) VALUES (?1, ?2, ?3, ?4, '', '', ?5, ?6, ?7, ?8)";
constexpr std::string_view k_update_deployment =
  "UPDATE deployments SET status = ?2, phase = ?3, error = ?4, "
  "commit_sha = COALESCE(NULLIF(?5, ''), commit_sha), updated_at_ms = ?6, "
  "build_info = COALESCE(NULLIF(?7, ''), build_info) WHERE id = ?1";
constexpr std::string_view k_insert_job =
  "INSERT INTO jobs (deployment_id, receives, visible_at_ms, lease_token, enqueued_at_ms) "
  "VALUES (?1, 0, ?2, NULL, ?2)";
constexpr std::string_view k_next_visible_job =
  "SELECT j.id, j.deployment_id, j.receives, d.status FROM jobs j "
  "JOIN deployments d ON d.id = j.deployment_id WHERE j.visible_at_ms <= ?1 "
  "ORDER BY j.visible_at_ms, j.id LIMIT 1";
constexpr std::string_view k_lease_job =
  "UPDATE jobs SET receives = receives + 1, visible_at_ms = ?2, lease_token = ?3 WHERE id = ?1";
constexpr std::string_view k_extend_lease =
  "UPDATE jobs SET visible_at_ms = ?3 WHERE id = ?1 AND lease_token = ?2";
constexpr std::string_view k_release_job =
  "UPDATE jobs SET visible_at_ms = ?3, receives = MAX(receives - 1, 0), lease_token = NULL "
  "WHERE id = ?1 AND lease_token = ?2";
constexpr std::string_view k_leased_job_deployment =
  "SELECT deployment_id FROM jobs WHERE id = ?1 AND lease_token = ?2";
constexpr std::string_view k_delete_job = "DELETE FROM jobs WHERE id = ?1";
constexpr std::string_view k_insert_dead_letter =
  "INSERT INTO dead_letters (deployment_id, receives, reason, dead_at_ms) "
  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (deployment_id) DO UPDATE SET "
  "receives = excluded.receives, reason = excluded.reason, dead_at_ms = excluded.dead_at_ms";
constexpr std::string_view k_list_dead_letters =
  "SELECT deployment_id, receives, reason, dead_at_ms FROM dead_letters ORDER BY dead_at_ms, "
  "deployment_id";
constexpr std::string_view k_delete_dead_letter =
  "DELETE FROM dead_letters WHERE deployment_id = ?1";
constexpr std::string_view k_select_status_and_jobs =
  "SELECT status, (SELECT COUNT(*) FROM jobs WHERE deployment_id = ?1 AND lease_token IS NOT "
  "NULL AND visible_at_ms > ?2) FROM deployments WHERE id = ?1";
// Tombstones stay: the one just appended, and (see schema 3) the newest seq with it.
constexpr std::string_view k_delete_events =
  "DELETE FROM events WHERE deployment_id = ?1 AND kind <> 'deleted'";
constexpr std::string_view k_delete_jobs = "DELETE FROM jobs WHERE deployment_id = ?1";
constexpr std::string_view k_delete_deployment = "DELETE FROM deployments WHERE id = ?1";
constexpr std::string_view k_deployment_statuses = "SELECT id, status FROM deployments";
constexpr std::string_view k_insert_status_event =
  "INSERT INTO events (deployment_id, kind, status, phase, error, at_ms) "
  "VALUES (?1, 'status', ?2, ?3, ?4, ?5)";
constexpr std::string_view k_insert_log_event =
  "INSERT INTO events (deployment_id, kind, line, at_ms) VALUES (?1, 'log', ?2, ?3)";
constexpr std::string_view k_insert_deleted_event =
  "INSERT INTO events (deployment_id, kind, at_ms) VALUES (?1, 'deleted', ?2)";
constexpr std::string_view k_events_after =
  "SELECT seq, deployment_id, kind, status, phase, error, line FROM events "
  "WHERE seq > ?1 ORDER BY seq LIMIT ?2";
constexpr std::string_view k_deployment_events_after =
  "SELECT seq, deployment_id, kind, status, phase, error, line FROM events "
  "WHERE deployment_id = ?3 AND seq > ?1 ORDER BY seq LIMIT ?2";
constexpr std::string_view k_deletions_after =
  "SELECT seq, deployment_id, kind, status, phase, error, line FROM events "
  "INDEXED BY events_deleted WHERE kind = 'deleted' AND seq > ?1 ORDER BY seq LIMIT ?2";
constexpr std::string_view k_last_event_seq = "SELECT COALESCE(MAX(seq), 0) FROM events";

class SqliteStore final : public MetadataStore
{
public:
  SqliteStore(Connection connection, Connection checkpoint_connection)
    : m_connection(std::move(connection))
    , m_checkpointer(std::move(checkpoint_connection))
  {
  }

  Result<void> create_deployment(const core::Deployment& deployment) override
  {
    return run("create deployment", deployment.id, [&]() -> Result<void> {
      if (deployment.id.empty()) {
        return fail("the id is empty");
      }
      auto transaction = Transaction::begin(m_connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto existing = status_of(deployment.id);
      if (!existing) {
        return std::unexpected(existing.error());
      }
      if (existing->has_value()) {
        return fail("a deployment with this id already exists");
      }
      auto now = now_ms();
      auto created = deployment.created_at_ms != 0 ? deployment.created_at_ms : now;
      auto updated = deployment.updated_at_ms != 0 ? deployment.updated_at_ms : created;
      if (auto done = execute(k_insert_deployment,
                              deployment.id,
                              deployment.repo_url,
                              deployment.ref,
                              core::to_string(core::Status::pending),
                              deployment.commit,
                              created,
                              updated,
                              core::to_json(deployment.settings));
          !done) {
        return std::unexpected(done.error());
      }
      if (auto done = execute(k_insert_job, deployment.id, now); !done) {
        return std::unexpected(done.error());
      }
      if (auto done =
            append_status_event(deployment.id, core::Status::pending, core::Phase::none, "", now);
          !done) {
        return done;
      }
      return transaction->commit();
    });
  }

  Result<std::optional<core::Deployment>> find_deployment(std::string_view id) override
  {
    return run("find deployment", id, [&]() -> Result<std::optional<core::Deployment>> {
      auto query = m_connection.prepare(k_select_deployment);
      if (!query) {
        return std::unexpected(query.error());
      }
      query->bind(id);
      auto row = query->step();
      if (!row) {
        return std::unexpected(row.error());
      }
      if (!*row) {
        return std::nullopt;
      }
      auto deployment = read_deployment(*query);
      if (!deployment) {
        return std::unexpected(deployment.error());
      }
      return std::move(*deployment);
    });
  }

  Result<std::vector<core::Deployment>> list_deployments(int limit) override
  {
    return run("list deployments", "", [&]() -> Result<std::vector<core::Deployment>> {
      auto query = m_connection.prepare(k_list_deployments);
      if (!query) {
        return std::unexpected(query.error());
      }
      query->bind(limit);
      std::vector<core::Deployment> deployments;
      for (;;) {
        auto row = query->step();
        if (!row) {
          return std::unexpected(row.error());
        }
        if (!*row) {
          return deployments;
        }
        auto deployment = read_deployment(*query);
        if (!deployment) {
          return std::unexpected(deployment.error());
        }
        deployments.push_back(std::move(*deployment));
      }
    });
  }

  Result<bool> update_status(const core::StatusChange& change) override
  {
    return run("update the status of deployment", change.deployment_id, [&]() -> Result<bool> {
      auto transaction = Transaction::begin(m_connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto applied = apply_change(change, now_ms());
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
    return run("append logs of deployment", deployment_id, [&]() -> Result<void> {
      if (lines.empty()) {
        return {};
      }
      auto transaction = Transaction::begin(m_connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto now = now_ms();
      for (const auto& line : lines) {
        if (auto done = execute(k_insert_log_event, deployment_id, line, now); !done) {
          return std::unexpected(done.error());
        }
      }
      m_appended_events = true;
      return transaction->commit();
    });
  }

  Result<std::vector<core::Event>> events_after(std::int64_t after,
                                                std::string_view deployment_id,
                                                int limit) override
  {
    return run(
      "read events of deployment", deployment_id, [&]() -> Result<std::vector<core::Event>> {
        auto query =
          m_connection.prepare(deployment_id.empty() ? k_events_after : k_deployment_events_after);
        if (!query) {
          return std::unexpected(query.error());
        }
        if (deployment_id.empty()) {
          query->bind(after, limit);
        } else {
          query->bind(after, limit, deployment_id);
        }
        return read_events(*query);
      });
  }

  Result<std::vector<core::Event>> deletions_after(std::int64_t after, int limit) override
  {
    return run("read deletions", "", [&]() -> Result<std::vector<core::Event>> {
      auto query = m_connection.prepare(k_deletions_after);
      if (!query) {
        return std::unexpected(query.error());
      }
      query->bind(after, limit);
      return read_events(*query);
    });
  }

  Result<std::int64_t> last_event_seq() override
  {
    return run("read the last event sequence", "", [&]() -> Result<std::int64_t> {
      auto query = m_connection.prepare(k_last_event_seq);
      if (!query) {
        return std::unexpected(query.error());
      }
      auto row = query->step();
      if (!row) {
        return std::unexpected(row.error());
      }
      return query->int64(0);
    });
  }

  Result<std::optional<Job>> lease_job(std::chrono::milliseconds lease) override
  {
    return run("lease a job", "", [&]() -> Result<std::optional<Job>> {
      auto transaction = Transaction::begin(m_connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto now = now_ms();
      std::vector<Job> dead_lettered;
      for (;;) {
        auto candidate = next_visible_job(now);
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
          if (auto done = execute(k_delete_job, job.id); !done) {
            return std::unexpected(done.error());
          }
          continue;
        }
        if (job.receives >= k_max_receives) {
          if (auto done = dead_letter(job, now); !done) {
            return std::unexpected(done.error());
          }
          dead_lettered.push_back(job);
          continue;
        }
        job.lease_token = util::random_hex(k_token_bytes);
        job.receives += 1;
        if (auto done = execute(k_lease_job, job.id, now + lease.count(), job.lease_token); !done) {
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
    return run("extend the lease of deployment", job.deployment_id, [&]() -> Result<bool> {
      auto changed = execute(k_extend_lease, job.id, job.lease_token, now_ms() + lease.count());
      if (!changed) {
        return std::unexpected(changed.error());
      }
      return *changed == 1;
    });
  }

  Result<bool> finish_job(const Job& job, const core::StatusChange& change) override
  {
    return run("finish the job of deployment", job.deployment_id, [&]() -> Result<bool> {
      auto transaction = Transaction::begin(m_connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto holder = leased_job_deployment(job);
      if (!holder) {
        return std::unexpected(holder.error());
      }
      if (!*holder) {
        return false;
      }
      if (!change.deployment_id.empty() && change.deployment_id != **holder) {
        return fail("the job belongs to deployment '" + **holder + "', not to '" +
                    change.deployment_id + "'");
      }
      core::StatusChange applied_change = change;
      applied_change.deployment_id = **holder;
      if (auto applied = apply_change(applied_change, now_ms()); !applied) {
        return applied;
      }
      if (auto done = execute(k_delete_job, job.id); !done) {
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
    return run("release the job of deployment", job.deployment_id, [&]() -> Result<void> {
      auto changed = execute(k_release_job, job.id, job.lease_token, now_ms());
      if (!changed) {
        return std::unexpected(changed.error());
      }
      return {};
    });
  }

  Result<std::vector<DeadLetter>> list_dead_letters() override
  {
    return run("list dead letters", "", [&]() -> Result<std::vector<DeadLetter>> {
      auto query = m_connection.prepare(k_list_dead_letters);
      if (!query) {
        return std::unexpected(query.error());
      }
      std::vector<DeadLetter> letters;
      for (;;) {
        auto row = query->step();
        if (!row) {
          return std::unexpected(row.error());
        }
        if (!*row) {
          return letters;
        }
        letters.push_back(DeadLetter{ .deployment_id = query->text(0),
                                      .receives = static_cast<int>(query->int64(1)),
                                      .reason = query->text(2),
                                      .dead_at_ms = query->int64(3) });
      }
    });
  }

  Result<StoreCounts> counts() override
  {
    return run("count deployments and jobs", "", [&]() -> Result<StoreCounts> {
      auto query = m_connection.prepare(k_counts_query);
      if (!query) {
        return std::unexpected(query.error());
      }
      StoreCounts counts;
      for (;;) {
        auto row = query->step();
        if (!row) {
          return std::unexpected(row.error());
        }
        if (!*row) {
          return counts;
        }
        counts.emplace_back(query->text(0), query->int64(1));
      }
    });
  }

  Result<bool> redrive(std::string_view deployment_id) override
  {
    return run("redrive deployment", deployment_id, [&]() -> Result<bool> {
      auto transaction = Transaction::begin(m_connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto removed = execute(k_delete_dead_letter, deployment_id);
      if (!removed) {
        return std::unexpected(removed.error());
      }
      if (*removed == 0) {
        return false;
      }
      auto now = now_ms();
      if (auto done = execute(k_insert_job, deployment_id, now); !done) {
        return std::unexpected(done.error());
      }
      if (auto done = set_status(core::StatusChange{ .deployment_id = std::string(deployment_id),
                                                     .status = core::Status::pending,
                                                     .phase = core::Phase::none,
                                                     .error = {},
                                                     .commit = {} },
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

  Result<DeleteOutcome> delete_deployment(std::string_view id) override
  {
    return run("delete deployment", id, [&]() -> Result<DeleteOutcome> {
      auto transaction = Transaction::begin(m_connection);
      if (!transaction) {
        return std::unexpected(transaction.error());
      }
      auto query = m_connection.prepare(k_select_status_and_jobs);
      if (!query) {
        return std::unexpected(query.error());
      }
      query->bind(id, now_ms());
      auto row = query->step();
      if (!row) {
        return std::unexpected(row.error());
      }
      if (!*row) {
        return DeleteOutcome::unknown;
      }
      const auto status = core::parse_status(query->text(0));
      if (!status || !core::is_final(*status) || query->int64(1) != 0) {
        return DeleteOutcome::busy;
      }
      // The tombstone first, while the deployment's events still hold the newest seq:
      // SQLite hands out MAX(seq) + 1, so appending it after the deletes could repeat a
      // seq that followers have already seen.
      if (auto done = execute(k_insert_deleted_event, id, now_ms()); !done) {
        return std::unexpected(done.error());
      }
      for (const auto sql :
           { k_delete_dead_letter, k_delete_jobs, k_delete_events, k_delete_deployment }) {
        if (auto done = execute(sql, id); !done) {
          return std::unexpected(done.error());
        }
      }
      m_appended_events = true;
      if (auto committed = transaction->commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return DeleteOutcome::deleted;
    });
  }

  Result<std::vector<DeploymentStatus>> deployment_statuses() override
  {
    return run("list deployment statuses", "", [&]() -> Result<std::vector<DeploymentStatus>> {
      auto query = m_connection.prepare(k_deployment_statuses);
      if (!query) {
        return std::unexpected(query.error());
      }
      std::vector<DeploymentStatus> statuses;
      for (;;) {
        auto row = query->step();
        if (!row) {
          return std::unexpected(row.error());
        }
        if (!*row) {
          return statuses;
        }
        auto status = core::parse_status(query->text(1));
        if (!status) {
          return fail("deployment '" + query->text(0) + "' has an unknown status");
        }
        statuses.push_back({ query->text(0), *status });
      }
    });
  }

  void on_change(std::function<void()> callback) override
  {
    std::scoped_lock lock(m_mutex);
    m_callbacks.push_back(std::move(callback));
  }

private:
  struct Candidate
  {
    Job job;
    core::Status status;
  };

  // Runs `body` under the mutex, names the failed operation in its error, and runs the
  // change callbacks (outside the mutex) when it committed events.
  template<typename Body>
  std::invoke_result_t<Body&> run(std::string_view what, std::string_view subject, Body&& body)
  {
    bool notify = false;
    auto result = [&] {
      std::scoped_lock lock(m_mutex);
      m_appended_events = false;
      auto outcome = body();
      notify = outcome.has_value() && m_appended_events;
      return outcome;
    }();
    if (!result) {
      std::string message = "cannot " + std::string(what);
      if (!subject.empty()) {
        message += " '" + std::string(subject) + "'";
      }
      return fail(message + ": " + result.error().message);
    }
    if (notify) {
      for (const auto& callback : m_callbacks) {
        callback();
      }
    }
    return result;
  }

  // Prepares, binds and runs a statement that returns no rows; the rows it changed.
  template<typename... Args>
  Result<int> execute(std::string_view sql, const Args&... args)
  {
    auto statement = m_connection.prepare(sql);
    if (!statement) {
      return std::unexpected(statement.error());
    }
    return statement->bind(args...).run();
  }

  Result<std::optional<core::Status>> status_of(std::string_view id)
  {
    auto query = m_connection.prepare(k_select_status);
    if (!query) {
      return std::unexpected(query.error());
    }
    query->bind(id);
    auto row = query->step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return std::nullopt;
    }
    auto status = core::parse_status(query->text(0));
    if (!status) {
      return fail("deployment '" + std::string(id) + "' has an unknown status '" + query->text(0) +
                  "'");
    }
    return *status;
  }

  Result<void> append_status_event(std::string_view id,
                                   core::Status status,
                                   core::Phase phase,
                                   std::string_view error,
                                   std::int64_t now)
  {
    auto done = execute(
      k_insert_status_event, id, core::to_string(status), core::to_string(phase), error, now);
    if (!done) {
      return std::unexpected(done.error());
    }
    m_appended_events = true;
    return {};
  }

  // Writes the change and its event unconditionally (inside the caller's transaction).
  Result<void> set_status(const core::StatusChange& change, std::int64_t now)
  {
    auto changed = execute(k_update_deployment,
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
    return append_status_event(
      change.deployment_id, change.status, change.phase, change.error, now);
  }

  // False (nothing written) when the deployment is unknown or already final.
  Result<bool> apply_change(const core::StatusChange& change, std::int64_t now)
  {
    auto current = status_of(change.deployment_id);
    if (!current) {
      return std::unexpected(current.error());
    }
    if (const auto& status = *current; !status || core::is_final(*status)) {
      return false;
    }
    if (auto done = set_status(change, now); !done) {
      return std::unexpected(done.error());
    }
    return true;
  }

  Result<std::optional<Candidate>> next_visible_job(std::int64_t now)
  {
    auto query = m_connection.prepare(k_next_visible_job);
    if (!query) {
      return std::unexpected(query.error());
    }
    query->bind(now);
    auto row = query->step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return std::nullopt;
    }
    auto status = core::parse_status(query->text(3));
    if (!status) {
      return fail("deployment '" + query->text(1) + "' has an unknown status '" + query->text(3) +
                  "'");
    }
    return Candidate{ .job = Job{ .id = query->int64(0),
                                  .deployment_id = query->text(1),
                                  .receives = static_cast<int>(query->int64(2)),
                                  .lease_token = {} },
                      .status = *status };
  }

  Result<void> dead_letter(const Job& job, std::int64_t now)
  {
    auto reason = dead_letter_reason();
    if (auto done = execute(k_insert_dead_letter, job.deployment_id, job.receives, reason, now);
        !done) {
      return std::unexpected(done.error());
    }
    if (auto done = execute(k_delete_job, job.id); !done) {
      return std::unexpected(done.error());
    }
    return set_status(core::StatusChange{ .deployment_id = job.deployment_id,
                                          .status = core::Status::error,
                                          .phase = core::Phase::none,
                                          .error = reason,
                                          .commit = {} },
                      now);
  }

  Result<std::optional<std::string>> leased_job_deployment(const Job& job)
  {
    auto query = m_connection.prepare(k_leased_job_deployment);
    if (!query) {
      return std::unexpected(query.error());
    }
    query->bind(job.id, job.lease_token);
    auto row = query->step();
    if (!row) {
      return std::unexpected(row.error());
    }
    if (!*row) {
      return std::nullopt;
    }
    return query->text(0);
  }

  std::mutex m_mutex;
  Connection m_connection;
  bool m_appended_events = false;
  std::vector<std::function<void()>> m_callbacks;
  Checkpointer m_checkpointer;
};

} // namespace

core::Result<std::unique_ptr<MetadataStore>>
create_store(const std::filesystem::path& path)
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
  return std::make_unique<SqliteStore>(std::move(*connection), std::move(*checkpoint_connection));
}

} // namespace reactor::store::sqlite
