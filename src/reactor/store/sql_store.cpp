#include "reactor/store/sql_store.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/random.hpp"

#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace reactor::store {

namespace {

using util::fail;

constexpr std::size_t k_token_bytes = 16;

// A visible job and its deployment's status.
struct Candidate
{
  Job job;
  core::Status status = core::Status::pending;
};

Result<core::Deployment>
read_deployment(const Row& row)
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
  deployment.project = row.text(11);
  deployment.branch = row.text(12);
  return deployment;
}

Result<core::Project>
read_project(const Row& row)
{
  core::Project project;
  project.name = row.text(0);
  project.repo_url = row.text(1);
  project.production_branch = row.text(2);
  auto settings = core::parse_build_settings(row.text(3));
  if (!settings) {
    return fail("project '" + project.name +
                "' has unreadable settings: " + settings.error().message);
  }
  project.settings = std::move(*settings);
  project.auto_promote = row.int64(4) != 0;
  project.created_at_ms = row.int64(5);
  return project;
}

Result<Alias>
read_alias(const Row& row)
{
  return Alias{ .label = row.text(0), .branch = row.text(1), .deployment_id = row.text(2) };
}

Result<core::Event>
read_event(const Row& row)
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
  if (kind == "alias") {
    event.kind = core::EventKind::alias;
    event.line = row.text(6);
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

Result<core::Status>
read_status(const Row& row, int column, std::string_view id)
{
  auto status = core::parse_status(row.text(column));
  if (!status) {
    return fail("deployment '" + std::string(id) + "' has an unknown status '" + row.text(column) +
                "'");
  }
  return *status;
}

Result<Candidate>
read_candidate(const Row& row)
{
  Job job{ .id = row.int64(0),
           .deployment_id = row.text(1),
           .receives = static_cast<int>(row.int64(2)),
           .lease_token = {} };
  auto status = read_status(row, 3, job.deployment_id);
  if (!status) {
    return std::unexpected(status.error());
  }
  return Candidate{ .job = std::move(job), .status = *status };
}

Result<DeadLetter>
read_dead_letter(const Row& row)
{
  return DeadLetter{ .deployment_id = row.text(0),
                     .receives = static_cast<int>(row.int64(1)),
                     .reason = row.text(2),
                     .dead_at_ms = row.int64(3) };
}

Result<DeploymentStatus>
read_deployment_status(const Row& row)
{
  auto id = row.text(0);
  auto status = read_status(row, 1, id);
  if (!status) {
    return std::unexpected(status.error());
  }
  return DeploymentStatus{ .id = std::move(id), .status = *status };
}

Result<std::pair<std::string, std::int64_t>>
read_count(const Row& row)
{
  return std::pair{ row.text(0), row.int64(1) };
}

Result<std::string>
read_text(const Row& row)
{
  return row.text(0);
}

Result<std::int64_t>
read_int64(const Row& row)
{
  return row.int64(0);
}

// What `read` makes of a row, on success.
template<typename Read>
using ReadValue = typename std::invoke_result_t<Read&, const Row&>::value_type;

// Every row of a query, each read by `read`.
template<typename Read>
Result<std::vector<ReadValue<Read>>>
all_rows(Executor& executor, std::string_view sql, std::span<const SqlValue> values, Read read)
{
  std::vector<ReadValue<Read>> items;
  auto done = executor.query(sql, values, [&](const Row& row) -> Result<void> {
    auto item = read(row);
    if (!item) {
      return std::unexpected(item.error());
    }
    items.push_back(std::move(*item));
    return {};
  });
  if (!done) {
    return std::unexpected(done.error());
  }
  return items;
}

// The first row of a query, read by `read`; nullopt when there is none.
template<typename Read>
Result<std::optional<ReadValue<Read>>>
first_row(Executor& executor, std::string_view sql, std::span<const SqlValue> values, Read read)
{
  std::optional<ReadValue<Read>> first;
  auto done = executor.query(sql, values, [&](const Row& row) -> Result<void> {
    if (first) {
      return {};
    }
    auto item = read(row);
    if (!item) {
      return std::unexpected(item.error());
    }
    first = std::move(*item);
    return {};
  });
  if (!done) {
    return std::unexpected(done.error());
  }
  return first;
}

// The ERROR message of a job moved to the dead-letter queue.
std::string
dead_letter_reason()
{
  return "the build was attempted " + std::to_string(k_max_receives) +
         " times and the worker never finished (crashed or lost); it was moved to the "
         "dead-letter queue — redrive it once the workers are healthy";
}

// Logs the jobs a lease moved to the dead-letter queue; called once that commit is done,
// so the log never tells of a move that was rolled back.
void
log_dead_lettered(const std::vector<Job>& jobs)
{
  for (const auto& job : jobs) {
    util::log::warn("job.dead_lettered",
                    { { "id", job.deployment_id }, { "receives", job.receives } });
  }
}

class SqlStore final : public MetadataStore
{
public:
  SqlStore(std::unique_ptr<SqlBackend> backend, const Statements& statements, Clock clock)
    : m_backend(std::move(backend))
    , m_sql(statements)
    , m_clock(std::move(clock))
  {
  }

  Result<void> create_deployment(const core::Deployment& deployment) override
  {
    return run("create deployment", deployment.id, [&](Executor& executor) -> Result<void> {
      if (deployment.id.empty()) {
        return fail("the id is empty");
      }
      if (auto begun = executor.begin(); !begun) {
        return begun;
      }
      auto now = m_clock();
      auto created = deployment.created_at_ms != 0 ? deployment.created_at_ms : now;
      auto updated = deployment.updated_at_ms != 0 ? deployment.updated_at_ms : created;
      auto inserted = executor.execute(m_sql.insert_deployment,
                                       sql_values(deployment.id,
                                                  deployment.repo_url,
                                                  deployment.ref,
                                                  core::to_string(core::Status::pending),
                                                  deployment.commit,
                                                  created,
                                                  updated,
                                                  core::to_json(deployment.settings),
                                                  deployment.project,
                                                  deployment.branch));
      if (!inserted) {
        return std::unexpected(inserted.error());
      }
      if (*inserted == 0) {
        return fail("a deployment with this id already exists");
      }
      if (auto done = executor.execute(m_sql.insert_job, sql_values(deployment.id, now)); !done) {
        return std::unexpected(done.error());
      }
      if (auto appended = executor.append_event(
            status_event(deployment.id, core::Status::pending, core::Phase::none, "", now));
          !appended) {
        return appended;
      }
      return executor.commit();
    });
  }

  Result<std::optional<core::Deployment>> find_deployment(std::string_view id) override
  {
    return run("find deployment", id, [&](Executor& executor) {
      return first_row(executor, m_sql.select_deployment, sql_values(id), read_deployment);
    });
  }

  Result<std::vector<core::Deployment>> list_deployments(int limit) override
  {
    return run("list deployments", "", [&](Executor& executor) {
      return all_rows(executor, m_sql.list_deployments, sql_values(limit), read_deployment);
    });
  }

  Result<bool> update_status(const core::StatusChange& change) override
  {
    return run("update the status of deployment",
               change.deployment_id,
               [&](Executor& executor) -> Result<bool> {
                 if (auto begun = executor.begin(); !begun) {
                   return std::unexpected(begun.error());
                 }
                 auto applied = apply_change(executor, change, m_clock());
                 if (!applied || !*applied) {
                   return applied;
                 }
                 if (auto committed = executor.commit(); !committed) {
                   return std::unexpected(committed.error());
                 }
                 return true;
               });
  }

  Result<void> append_logs(std::string_view deployment_id,
                           std::span<const std::string> lines) override
  {
    return run("append logs of deployment", deployment_id, [&](Executor& executor) -> Result<void> {
      if (lines.empty()) {
        return {};
      }
      if (auto begun = executor.begin(); !begun) {
        return begun;
      }
      auto now = m_clock();
      for (const auto& line : lines) {
        if (auto appended =
              executor.append_event(NewEvent{ .deployment_id = std::string(deployment_id),
                                              .kind = core::EventKind::log,
                                              .line = line,
                                              .at_ms = now });
            !appended) {
          return appended;
        }
      }
      return executor.commit();
    });
  }

  Result<std::vector<core::Event>> events_after(std::int64_t after,
                                                std::string_view deployment_id,
                                                int limit) override
  {
    return run("read events of deployment", deployment_id, [&](Executor& executor) {
      return deployment_id.empty()
               ? all_rows(executor, m_sql.events_after, sql_values(after, limit), read_event)
               : all_rows(executor,
                          m_sql.deployment_events_after,
                          sql_values(after, limit, deployment_id),
                          read_event);
    });
  }

  Result<std::vector<core::Event>> edge_events_after(std::int64_t after, int limit) override
  {
    return run("read deletions", "", [&](Executor& executor) {
      return all_rows(executor, m_sql.edge_events_after, sql_values(after, limit), read_event);
    });
  }

  Result<std::int64_t> last_event_seq() override
  {
    return run("read the last event sequence", "", [&](Executor& executor) -> Result<std::int64_t> {
      auto seq = first_row(executor, m_sql.last_event_seq, sql_values(), read_int64);
      if (!seq) {
        return std::unexpected(seq.error());
      }
      return seq->value_or(0);
    });
  }

  Result<std::optional<Job>> lease_job(std::chrono::milliseconds lease) override
  {
    return run("lease a job", "", [&](Executor& executor) -> Result<std::optional<Job>> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      auto now = m_clock();
      std::vector<Job> dead_lettered;
      for (;;) {
        auto candidate =
          first_row(executor, m_sql.next_visible_job, sql_values(now), read_candidate);
        if (!candidate) {
          return std::unexpected(candidate.error());
        }
        if (!*candidate) {
          if (auto committed = executor.commit(); !committed) {
            return std::unexpected(committed.error());
          }
          log_dead_lettered(dead_lettered);
          return std::nullopt;
        }
        auto& [job, status] = **candidate;
        if (core::is_final(status)) {
          if (auto done = executor.execute(m_sql.delete_job, sql_values(job.id)); !done) {
            return std::unexpected(done.error());
          }
          continue;
        }
        if (job.receives >= k_max_receives) {
          if (auto done = dead_letter(executor, job, now); !done) {
            return std::unexpected(done.error());
          }
          dead_lettered.push_back(job);
          continue;
        }
        job.lease_token = util::random_hex(k_token_bytes);
        job.receives += 1;
        if (auto done = executor.execute(m_sql.lease_job,
                                         sql_values(job.id, now + lease.count(), job.lease_token));
            !done) {
          return std::unexpected(done.error());
        }
        if (auto committed = executor.commit(); !committed) {
          return std::unexpected(committed.error());
        }
        log_dead_lettered(dead_lettered);
        return std::move(job);
      }
    });
  }

  Result<bool> extend_lease(const Job& job, std::chrono::milliseconds lease) override
  {
    return run(
      "extend the lease of deployment", job.deployment_id, [&](Executor& executor) -> Result<bool> {
        auto changed = executor.execute(
          m_sql.extend_lease, sql_values(job.id, job.lease_token, m_clock() + lease.count()));
        if (!changed) {
          return std::unexpected(changed.error());
        }
        return *changed == 1;
      });
  }

  Result<bool> finish_job(const Job& job, const core::StatusChange& change) override
  {
    return run(
      "finish the job of deployment", job.deployment_id, [&](Executor& executor) -> Result<bool> {
        if (auto begun = executor.begin(); !begun) {
          return std::unexpected(begun.error());
        }
        auto holder = first_row(
          executor, m_sql.leased_job_deployment, sql_values(job.id, job.lease_token), read_text);
        if (!holder) {
          return std::unexpected(holder.error());
        }
        if (!*holder) {
          return false;
        }
        const auto& deployment_id = **holder;
        if (!change.deployment_id.empty() && change.deployment_id != deployment_id) {
          return fail("the job belongs to deployment '" + deployment_id + "', not to '" +
                      change.deployment_id + "'");
        }
        core::StatusChange applied_change = change;
        applied_change.deployment_id = deployment_id;
        const auto now = m_clock();
        auto applied = apply_change(executor, applied_change, now);
        if (!applied) {
          return applied;
        }
        if (*applied && applied_change.status == core::Status::deployed) {
          if (auto moved = move_aliases(executor, deployment_id, now); !moved) {
            return std::unexpected(moved.error());
          }
        }
        if (auto done = executor.execute(m_sql.delete_job, sql_values(job.id)); !done) {
          return std::unexpected(done.error());
        }
        if (auto committed = executor.commit(); !committed) {
          return std::unexpected(committed.error());
        }
        return true;
      });
  }

  Result<void> release_job(const Job& job) override
  {
    return run(
      "release the job of deployment", job.deployment_id, [&](Executor& executor) -> Result<void> {
        auto changed =
          executor.execute(m_sql.release_job, sql_values(job.id, job.lease_token, m_clock()));
        if (!changed) {
          return std::unexpected(changed.error());
        }
        return {};
      });
  }

  Result<std::optional<QueuePlace>> queue_place(std::string_view deployment_id) override
  {
    return run("find the queue place of deployment", deployment_id, [&](Executor& executor) {
      return first_row(executor,
                       m_sql.queue_place,
                       sql_values(deployment_id, m_clock()),
                       [](const Row& row) -> Result<QueuePlace> {
                         return QueuePlace{ row.int64(0), row.int64(1) };
                       });
    });
  }

  Result<std::vector<DeadLetter>> list_dead_letters() override
  {
    return run("list dead letters", "", [&](Executor& executor) {
      return all_rows(executor, m_sql.list_dead_letters, sql_values(), read_dead_letter);
    });
  }

  Result<StoreCounts> counts() override
  {
    return run("count deployments and jobs", "", [&](Executor& executor) {
      return all_rows(executor, k_counts_query, sql_values(), read_count);
    });
  }

  Result<bool> redrive(std::string_view deployment_id) override
  {
    return run("redrive deployment", deployment_id, [&](Executor& executor) -> Result<bool> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      auto removed = executor.execute(m_sql.delete_dead_letter, sql_values(deployment_id));
      if (!removed) {
        return std::unexpected(removed.error());
      }
      if (*removed == 0) {
        return false;
      }
      auto now = m_clock();
      if (auto done = executor.execute(m_sql.insert_job, sql_values(deployment_id, now)); !done) {
        return std::unexpected(done.error());
      }
      if (auto done = set_status(executor,
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
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return true;
    });
  }

  Result<DeleteOutcome> delete_deployment(std::string_view id) override
  {
    return run("delete deployment", id, [&](Executor& executor) -> Result<DeleteOutcome> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      auto now = m_clock();
      auto busy = first_row(
        executor, m_sql.status_and_leases, sql_values(id, now), [](const Row& row) -> Result<bool> {
          const auto status = core::parse_status(row.text(0));
          return !status || !core::is_final(*status) || row.int64(1) != 0;
        });
      if (!busy) {
        return std::unexpected(busy.error());
      }
      if (!*busy) {
        return DeleteOutcome::unknown;
      }
      if (**busy) {
        return DeleteOutcome::busy;
      }
      auto aliased = first_row(executor, m_sql.deployment_alias_count, sql_values(id), read_int64);
      if (!aliased) {
        return std::unexpected(aliased.error());
      }
      if (aliased->value_or(0) > 0) {
        return DeleteOutcome::aliased;
      }
      // The tombstone first, while the deployment's events still hold the newest seq: a
      // backend that hands out MAX(seq) + 1 (SQLite) could otherwise repeat a seq that
      // followers have already seen.
      if (auto appended = executor.append_event(NewEvent{
            .deployment_id = std::string(id), .kind = core::EventKind::deleted, .at_ms = now });
          !appended) {
        return std::unexpected(appended.error());
      }
      for (const auto sql : { m_sql.delete_dead_letter,
                              m_sql.delete_jobs,
                              m_sql.delete_events,
                              m_sql.delete_deployment }) {
        if (auto done = executor.execute(sql, sql_values(id)); !done) {
          return std::unexpected(done.error());
        }
      }
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return DeleteOutcome::deleted;
    });
  }

  Result<std::vector<DeploymentStatus>> deployment_statuses() override
  {
    return run("list deployment statuses", "", [&](Executor& executor) {
      return all_rows(executor, m_sql.deployment_statuses, sql_values(), read_deployment_status);
    });
  }

  Result<bool> create_project(const core::Project& project) override
  {
    return run("create project", project.name, [&](Executor& executor) -> Result<bool> {
      const auto created = project.created_at_ms != 0 ? project.created_at_ms : m_clock();
      auto inserted = executor.execute(m_sql.insert_project,
                                       sql_values(project.name,
                                                  project.repo_url,
                                                  project.production_branch,
                                                  core::to_json(project.settings),
                                                  std::int64_t{ project.auto_promote ? 1 : 0 },
                                                  created));
      if (!inserted) {
        return std::unexpected(inserted.error());
      }
      return *inserted == 1;
    });
  }

  Result<std::optional<core::Project>> find_project(std::string_view name) override
  {
    return run("find project", name, [&](Executor& executor) {
      return first_row(executor, m_sql.select_project, sql_values(name), read_project);
    });
  }

  Result<std::vector<core::Project>> list_projects() override
  {
    return run("list projects", "", [&](Executor& executor) {
      return all_rows(executor, m_sql.list_projects, {}, read_project);
    });
  }

  Result<DeleteOutcome> delete_project(std::string_view name) override
  {
    return run("delete project", name, [&](Executor& executor) -> Result<DeleteOutcome> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      auto project = first_row(executor, m_sql.select_project, sql_values(name), read_project);
      if (!project) {
        return std::unexpected(project.error());
      }
      if (!*project) {
        return DeleteOutcome::unknown;
      }
      auto unfinished = first_row(executor, m_sql.project_unfinished, sql_values(name), read_int64);
      if (!unfinished) {
        return std::unexpected(unfinished.error());
      }
      if (unfinished->value_or(0) > 0) {
        return DeleteOutcome::busy;
      }
      auto aliases = all_rows(executor, m_sql.project_aliases, sql_values(name), read_alias);
      if (!aliases) {
        return std::unexpected(aliases.error());
      }
      const auto now = m_clock();
      for (const auto& alias : *aliases) {
        if (auto appended = executor.append_event(alias_event(alias.label, "", now)); !appended) {
          return std::unexpected(appended.error());
        }
      }
      for (const auto sql : { m_sql.delete_project_aliases, m_sql.delete_project }) {
        if (auto done = executor.execute(sql, sql_values(name)); !done) {
          return std::unexpected(done.error());
        }
      }
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return DeleteOutcome::deleted;
    });
  }

  Result<std::vector<core::Deployment>> list_project_deployments(std::string_view project,
                                                                 int limit) override
  {
    return run("list the deployments of project", project, [&](Executor& executor) {
      return all_rows(
        executor, m_sql.list_project_deployments, sql_values(project, limit), read_deployment);
    });
  }

  Result<std::vector<Alias>> project_aliases(std::string_view project) override
  {
    return run("list the aliases of project", project, [&](Executor& executor) {
      return all_rows(executor, m_sql.project_aliases, sql_values(project), read_alias);
    });
  }

  Result<std::optional<std::string>> resolve_alias(std::string_view label) override
  {
    return run("resolve alias", label, [&](Executor& executor) {
      return first_row(executor, m_sql.alias_target, sql_values(label), read_text);
    });
  }

  Result<bool> set_production(std::string_view project,
                              std::string_view deployment_id,
                              std::string_view expected,
                              bool auto_promote) override
  {
    return run("promote in project", project, [&](Executor& executor) -> Result<bool> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      // Locks the deployment's row first, so a deletion cannot take it meanwhile.
      if (auto locked =
            first_row(executor,
                      m_sql.status_for_update,
                      sql_values(deployment_id),
                      [&](const Row& row) { return read_status(row, 0, deployment_id); });
          !locked) {
        return std::unexpected(locked.error());
      }
      auto target =
        first_row(executor, m_sql.select_deployment, sql_values(deployment_id), read_deployment);
      if (!target) {
        return std::unexpected(target.error());
      }
      if (!*target || (*target)->project != project ||
          (*target)->status != core::Status::deployed) {
        return fail("deployment '" + std::string(deployment_id) +
                    "' is not a DEPLOYED deployment of the project");
      }
      const auto now = m_clock();
      const auto moved =
        expected.empty()
          ? executor.execute(
              m_sql.insert_alias,
              sql_values(project, project, "", deployment_id, (*target)->created_at_ms, now))
          : executor.execute(
              m_sql.swap_alias,
              sql_values(project, deployment_id, (*target)->created_at_ms, now, expected));
      if (!moved) {
        return std::unexpected(moved.error());
      }
      if (*moved == 0) {
        return false;
      }
      if (auto set = executor.execute(m_sql.set_auto_promote,
                                      sql_values(project, std::int64_t{ auto_promote ? 1 : 0 }));
          !set) {
        return std::unexpected(set.error());
      }
      if (auto appended = executor.append_event(alias_event(project, deployment_id, now));
          !appended) {
        return std::unexpected(appended.error());
      }
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return true;
    });
  }

  void on_change(std::function<void()> callback) override
  {
    m_backend->on_change(std::move(callback));
  }

private:
  // Runs `operation` through the backend and names the failed operation in its error.
  template<typename Operation>
  std::invoke_result_t<Operation&, Executor&> run(std::string_view what,
                                                  std::string_view subject,
                                                  Operation&& operation)
  {
    // The operation's own result once the backend has run it.
    std::invoke_result_t<Operation&, Executor&> outcome = std::unexpected(util::Error{});
    auto ran = m_backend->run([&](Executor& executor) -> Result<void> {
      outcome = operation(executor);
      if (!outcome) {
        return std::unexpected(outcome.error());
      }
      return {};
    });
    if (!ran) {
      std::string message = "cannot " + std::string(what);
      if (!subject.empty()) {
        message += " '" + std::string(subject) + "'";
      }
      return fail(message + ": " + ran.error().message);
    }
    return outcome;
  }

  static NewEvent status_event(std::string_view id,
                               core::Status status,
                               core::Phase phase,
                               std::string_view error,
                               std::int64_t now)
  {
    return NewEvent{ .deployment_id = std::string(id),
                     .kind = core::EventKind::status,
                     .status = status,
                     .phase = phase,
                     .error = std::string(error),
                     .at_ms = now };
  }

  static NewEvent alias_event(std::string_view label,
                              std::string_view deployment_id,
                              std::int64_t now)
  {
    return NewEvent{ .deployment_id = std::string(deployment_id),
                     .kind = core::EventKind::alias,
                     .line = std::string(label),
                     .at_ms = now };
  }

  // Moves the aliases a project's deployment that just reached DEPLOYED earns: its
  // branch's, and production's for a production build while the project promotes
  // automatically. An alias already on a newer deployment stays.
  Result<void> move_aliases(Executor& executor, std::string_view deployment_id, std::int64_t now)
  {
    auto read =
      first_row(executor, m_sql.select_deployment, sql_values(deployment_id), read_deployment);
    if (!read) {
      return std::unexpected(read.error());
    }
    const auto& deployment = *read;
    if (!deployment || deployment->project.empty()) {
      return {};
    }
    const core::Deployment& built = *deployment;
    auto found = first_row(executor, m_sql.select_project, sql_values(built.project), read_project);
    if (!found) {
      return std::unexpected(found.error());
    }
    const auto& project = *found;
    if (!project) {
      return {}; // the project was deleted while this built
    }
    std::vector<std::pair<std::string, std::string>> labels; // label, branch
    if (!built.branch.empty()) {
      labels.emplace_back(core::branch_label(built.project, built.branch), built.branch);
    }
    if (core::is_production_branch(*project, built.branch) && project->auto_promote) {
      labels.emplace_back(built.project, "");
    }
    for (const auto& [label, branch] : labels) {
      auto moved = executor.execute(
        m_sql.move_alias,
        sql_values(label, built.project, branch, built.id, built.created_at_ms, now));
      if (!moved) {
        return std::unexpected(moved.error());
      }
      if (*moved == 0) {
        continue;
      }
      if (auto appended = executor.append_event(alias_event(label, built.id, now)); !appended) {
        return appended;
      }
    }
    return {};
  }

  // Writes the change and appends its event unconditionally (inside the transaction).
  Result<void> set_status(Executor& executor, const core::StatusChange& change, std::int64_t now)
  {
    auto changed = executor.execute(m_sql.update_deployment,
                                    sql_values(change.deployment_id,
                                               core::to_string(change.status),
                                               core::to_string(change.phase),
                                               change.error,
                                               change.commit,
                                               now,
                                               change.build_info));
    if (!changed) {
      return std::unexpected(changed.error());
    }
    return executor.append_event(
      status_event(change.deployment_id, change.status, change.phase, change.error, now));
  }

  // False (nothing written) when the deployment is unknown or already final; the status
  // read stays true until the transaction ends.
  Result<bool> apply_change(Executor& executor, const core::StatusChange& change, std::int64_t now)
  {
    auto current = first_row(
      executor, m_sql.status_for_update, sql_values(change.deployment_id), [&](const Row& row) {
        return read_status(row, 0, change.deployment_id);
      });
    if (!current) {
      return std::unexpected(current.error());
    }
    if (const auto& status = *current; !status || core::is_final(*status)) {
      return false;
    }
    if (auto done = set_status(executor, change, now); !done) {
      return std::unexpected(done.error());
    }
    return true;
  }

  // Moves the job to the dead-letter queue and its deployment to ERROR.
  Result<void> dead_letter(Executor& executor, const Job& job, std::int64_t now)
  {
    auto reason = dead_letter_reason();
    if (auto done = executor.execute(m_sql.insert_dead_letter,
                                     sql_values(job.deployment_id, job.receives, reason, now));
        !done) {
      return std::unexpected(done.error());
    }
    if (auto done = executor.execute(m_sql.delete_job, sql_values(job.id)); !done) {
      return std::unexpected(done.error());
    }
    return set_status(executor,
                      core::StatusChange{ .deployment_id = job.deployment_id,
                                          .status = core::Status::error,
                                          .phase = core::Phase::none,
                                          .error = reason,
                                          .commit = {},
                                          .build_info = {} },
                      now);
  }

  std::unique_ptr<SqlBackend> m_backend;
  Statements m_sql;
  Clock m_clock;
};

} // namespace

std::unique_ptr<MetadataStore>
make_sql_store(std::unique_ptr<SqlBackend> backend, const Statements& statements, Clock clock)
{
  return std::make_unique<SqlStore>(std::move(backend), statements, std::move(clock));
}

} // namespace reactor::store
