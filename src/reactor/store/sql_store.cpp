#include "reactor/core/build_settings.hpp"
#include "reactor/store/sql_store_impl.hpp"

#include <utility>

namespace reactor::store {

using namespace rows;
using util::fail;

SqlStore::SqlStore(std::unique_ptr<SqlBackend> backend, const Statements& statements, Clock clock)
  : m_backend(std::move(backend))
  , m_sql(statements)
  , m_clock(std::move(clock))
{
}

Result<void>
SqlStore::create_deployment(const core::Deployment& deployment)
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
                                                deployment.branch,
                                                std::int64_t{ deployment.pull_request },
                                                std::int64_t{ deployment.from_fork ? 1 : 0 },
                                                deployment.inputs_digest));
    if (!inserted) {
      return std::unexpected(inserted.error());
    }
    if (*inserted == 0) {
      return fail("a deployment with this id already exists");
    }
    for (const auto& variable : deployment.env) {
      const auto scopes = core::scopes_text(variable.scopes);
      if (auto done = executor.execute(
            m_sql.insert_deployment_env,
            sql_values(
              deployment.id, variable.name, scopes, variable.sealed, variable.updated_at_ms));
          !done) {
        return std::unexpected(done.error());
      }
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

Result<std::optional<core::Deployment>>
SqlStore::find_deployment(std::string_view id)
{
  return run("find deployment", id, [&](Executor& executor) {
    return first_row(executor, m_sql.select_deployment, sql_values(id), read_deployment);
  });
}

Result<std::vector<core::Deployment>>
SqlStore::list_deployments(int limit)
{
  return run("list deployments", "", [&](Executor& executor) {
    return all_rows(executor, m_sql.list_deployments, sql_values(limit), read_deployment);
  });
}

Result<bool>
SqlStore::update_status(const core::StatusChange& change)
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

Result<void>
SqlStore::record_commit(std::string_view id, std::string_view commit)
{
  return run("record the commit of deployment", id, [&](Executor& executor) -> Result<void> {
    if (auto updated = executor.execute(m_sql.record_commit, sql_values(id, commit)); !updated) {
      return std::unexpected(updated.error());
    }
    return {};
  });
}

Result<void>
SqlStore::append_logs(std::string_view deployment_id, std::span<const std::string> lines)
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

Result<std::vector<core::Event>>
SqlStore::events_after(std::int64_t after, std::string_view deployment_id, int limit)
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

Result<std::vector<core::Event>>
SqlStore::project_events_after(std::int64_t after, std::string_view project, int limit)
{
  return run("read events of project", project, [&](Executor& executor) {
    return all_rows(
      executor, m_sql.project_events_after, sql_values(after, limit, project), read_event);
  });
}

Result<std::vector<core::Event>>
SqlStore::edge_events_after(std::int64_t after, int limit)
{
  return run("read deletions", "", [&](Executor& executor) {
    return all_rows(executor, m_sql.edge_events_after, sql_values(after, limit), read_event);
  });
}

Result<std::int64_t>
SqlStore::last_event_seq()
{
  return run("read the last event sequence", "", [&](Executor& executor) -> Result<std::int64_t> {
    auto seq = first_row(executor, m_sql.last_event_seq, sql_values(), read_int64);
    if (!seq) {
      return std::unexpected(seq.error());
    }
    return seq->value_or(0);
  });
}

Result<DeleteOutcome>
SqlStore::delete_deployment(std::string_view id)
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
    if (auto removed = remove_deployment(executor, id, now); !removed) {
      return std::unexpected(removed.error());
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return DeleteOutcome::deleted;
  });
}

Result<void>
SqlStore::remove_deployment(Executor& executor, std::string_view id, std::int64_t now)
{
  // The tombstone first, while the deployment's events still hold the newest seq: a
  // backend that hands out MAX(seq) + 1 (SQLite) could otherwise repeat a seq that
  // followers have already seen.
  if (auto appended = executor.append_event(NewEvent{
        .deployment_id = std::string(id), .kind = core::EventKind::deleted, .at_ms = now });
      !appended) {
    return appended;
  }
  for (const auto sql : { m_sql.delete_dead_letter,
                          m_sql.delete_deployment_env,
                          m_sql.delete_deployment_alias_history,
                          m_sql.delete_jobs,
                          m_sql.delete_events,
                          m_sql.delete_deployment }) {
    if (auto done = executor.execute(sql, sql_values(id)); !done) {
      return std::unexpected(done.error());
    }
  }
  return {};
}

Result<std::vector<DeploymentStatus>>
SqlStore::deployment_statuses()
{
  return run("list deployment statuses", "", [&](Executor& executor) {
    return all_rows(executor, m_sql.deployment_statuses, sql_values(), read_deployment_status);
  });
}

void
SqlStore::on_change(std::function<void()> callback)
{
  m_backend->on_change(std::move(callback));
}

// Writes the change and appends its event unconditionally (inside the transaction).
Result<void>
SqlStore::set_status(Executor& executor, const core::StatusChange& change, std::int64_t now)
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
Result<bool>
SqlStore::apply_change(Executor& executor, const core::StatusChange& change, std::int64_t now)
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

std::unique_ptr<MetadataStore>
make_sql_store(std::unique_ptr<SqlBackend> backend, const Statements& statements, Clock clock)
{
  return std::make_unique<SqlStore>(std::move(backend), statements, std::move(clock));
}

} // namespace reactor::store
