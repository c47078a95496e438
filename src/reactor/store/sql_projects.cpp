#include "reactor/core/build_settings.hpp"
#include "reactor/core/project.hpp"
#include "reactor/store/sql_store_impl.hpp"

#include <limits>

namespace reactor::store {

using namespace rows;
using util::fail;

namespace {

// LIMIT for a query that must return every row.
constexpr std::int64_t k_all_rows = std::numeric_limits<std::int32_t>::max();

} // namespace

Result<bool>
SqlStore::create_project(const core::Project& project)
{
  return run("create project", project.name, [&](Executor& executor) -> Result<bool> {
    const auto created = project.created_at_ms != 0 ? project.created_at_ms : m_clock();
    auto inserted =
      executor.execute(m_sql.insert_project,
                       sql_values(project.name,
                                  project.repo_url,
                                  project.production_branch,
                                  core::to_json(project.settings),
                                  std::int64_t{ project.auto_promote ? 1 : 0 },
                                  created,
                                  core::to_string(project.protection),
                                  project.password_hash,
                                  project.bypass_hash,
                                  std::int64_t{ project.skew_window_days },
                                  std::int64_t{ project.skew_max_deployments },
                                  std::int64_t{ project.deploy_tags ? 1 : 0 },
                                  std::int64_t{ project.build_fork_pull_requests ? 1 : 0 }));
    if (!inserted) {
      return std::unexpected(inserted.error());
    }
    return *inserted == 1;
  });
}

Result<std::optional<core::Project>>
SqlStore::find_project(std::string_view name)
{
  return run("find project", name, [&](Executor& executor) {
    return first_row(executor, m_sql.select_project, sql_values(name), read_project);
  });
}

Result<std::vector<core::Project>>
SqlStore::list_projects()
{
  return run("list projects", "", [&](Executor& executor) {
    return all_rows(executor, m_sql.list_projects, {}, read_project);
  });
}

Result<ProjectUpdate>
SqlStore::update_project(const core::Project& expected, const core::Project& updated)
{
  return run("update project", updated.name, [&](Executor& executor) -> Result<ProjectUpdate> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    // Locked until the commit (PostgreSQL's FOR UPDATE; SQLite's one writer).
    auto read = first_row(executor, m_sql.select_project, sql_values(updated.name), read_project);
    if (!read) {
      return std::unexpected(read.error());
    }
    const auto& stored = *read;
    if (!stored) {
      return ProjectUpdate::missing;
    }
    if (*stored != expected) {
      return ProjectUpdate::changed;
    }
    auto written =
      executor.execute(m_sql.update_project,
                       sql_values(updated.name,
                                  updated.repo_url,
                                  updated.production_branch,
                                  core::to_json(updated.settings),
                                  std::int64_t{ updated.auto_promote ? 1 : 0 },
                                  core::to_string(updated.protection),
                                  updated.password_hash,
                                  updated.bypass_hash,
                                  std::int64_t{ updated.skew_window_days },
                                  std::int64_t{ updated.skew_max_deployments },
                                  std::int64_t{ updated.deploy_tags ? 1 : 0 },
                                  std::int64_t{ updated.build_fork_pull_requests ? 1 : 0 }));
    if (!written) {
      return std::unexpected(written.error());
    }
    if (auto appended = executor.append_event(project_event(updated.name, m_clock())); !appended) {
      return std::unexpected(appended.error());
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return ProjectUpdate::updated;
  });
}

Result<DeleteOutcome>
SqlStore::delete_project(std::string_view name)
{
  return run("delete project", name, [&](Executor& executor) -> Result<DeleteOutcome> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    auto read = first_row(executor, m_sql.select_project, sql_values(name), read_project);
    if (!read) {
      return std::unexpected(read.error());
    }
    const auto& project = *read;
    if (!project) {
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
    if (auto appended = executor.append_event(project_event(name, now)); !appended) {
      return std::unexpected(appended.error());
    }
    for (const auto& alias : *aliases) {
      if (auto appended = executor.append_event(alias_event(alias.label, "", now)); !appended) {
        return std::unexpected(appended.error());
      }
    }
    // A protected project's deployments go with it: their <id> hostnames would otherwise
    // be served without the password until garbage collection took them.
    if (project->protection != core::Protection::off) {
      auto owned = all_rows(
        executor, m_sql.list_project_deployments, sql_values(name, k_all_rows), read_deployment);
      if (!owned) {
        return std::unexpected(owned.error());
      }
      for (const auto& deployment : *owned) {
        if (auto removed = remove_deployment(executor, deployment.id, now); !removed) {
          return std::unexpected(removed.error());
        }
      }
    }
    for (const auto sql : { m_sql.delete_project_env,
                            m_sql.delete_project_deploy_hooks,
                            m_sql.delete_project_custom_domains,
                            m_sql.delete_project_webhook_secret,
                            m_sql.delete_project_deliveries,
                            m_sql.delete_project_notifications,
                            m_sql.delete_project_notification_endpoints,
                            m_sql.delete_project_alias_history,
                            m_sql.delete_project_aliases,
                            m_sql.delete_project }) {
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

Result<std::vector<core::Deployment>>
SqlStore::list_project_deployments(std::string_view project, int limit)
{
  return run("list the deployments of project", project, [&](Executor& executor) {
    return all_rows(
      executor, m_sql.list_project_deployments, sql_values(project, limit), read_deployment);
  });
}

Result<std::vector<core::Deployment>>
SqlStore::same_input_deployments(std::string_view project,
                                 std::string_view inputs_digest,
                                 std::string_view commit)
{
  return run("find the builds of the same inputs in project", project, [&](Executor& executor) {
    return all_rows(executor,
                    m_sql.same_input_deployments,
                    sql_values(project, inputs_digest, commit),
                    read_deployment);
  });
}

Result<std::vector<Alias>>
SqlStore::project_aliases(std::string_view project)
{
  return run("list the aliases of project", project, [&](Executor& executor) {
    return all_rows(executor, m_sql.project_aliases, sql_values(project), read_alias);
  });
}

Result<std::optional<std::string>>
SqlStore::resolve_alias(std::string_view label)
{
  return run("resolve alias", label, [&](Executor& executor) {
    return first_row(executor, m_sql.alias_target, sql_values(label), read_text);
  });
}

Result<std::vector<std::string>>
SqlStore::skew_deployments(std::string_view label)
{
  return run("read the alias history of", label, [&](Executor& executor) {
    using Ids = std::vector<std::string>;
    auto found = first_row(
      executor, m_sql.select_project, sql_values(core::label_project(label)), read_project);
    if (!found) {
      return Result<Ids>(std::unexpected(found.error()));
    }
    const auto& project = *found;
    if (!project || project->skew_window_days <= 0 || project->skew_max_deployments <= 0) {
      return Result<Ids>(Ids{});
    }
    constexpr std::int64_t k_day_ms = 24LL * 60 * 60 * 1000;
    const std::int64_t since = m_clock() - (project->skew_window_days * k_day_ms);
    return all_rows(executor,
                    m_sql.skew_history,
                    sql_values(label, since, std::int64_t{ project->skew_max_deployments }),
                    read_text);
  });
}

Result<std::vector<AliasHeld>>
SqlStore::alias_history(std::string_view project)
{
  return run("read the alias history of project", project, [&](Executor& executor) {
    return all_rows(executor, m_sql.alias_history, sql_values(project), read_alias_held);
  });
}

Result<std::vector<core::Deployment>>
SqlStore::project_owned_deployments()
{
  return run("list the deployments of projects", "", [&](Executor& executor) {
    return all_rows(executor, m_sql.project_owned_deployments, sql_values(), read_deployment);
  });
}

Result<void>
SqlStore::record_move(Executor& executor,
                      std::string_view label,
                      std::string_view project,
                      std::string_view previous,
                      std::string_view current,
                      std::int64_t now)
{
  if (previous.empty() || previous == current) {
    return {};
  }
  auto inserted =
    executor.execute(m_sql.insert_alias_history, sql_values(label, project, previous, now));
  if (!inserted) {
    return std::unexpected(inserted.error());
  }
  return {};
}

Result<bool>
SqlStore::set_production(std::string_view project,
                         std::string_view deployment_id,
                         std::string_view expected,
                         bool auto_promote)
{
  return run("promote in project", project, [&](Executor& executor) -> Result<bool> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    // Locks the deployment's row first, so a deletion cannot take it meanwhile.
    if (auto locked = first_row(executor,
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
    if (!*target || (*target)->project != project || (*target)->status != core::Status::deployed) {
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
    if (auto recorded = record_move(executor, project, project, expected, deployment_id, now);
        !recorded) {
      return std::unexpected(recorded.error());
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return true;
  });
}

// Moves the aliases a project's deployment that just reached DEPLOYED earns: its
// branch's, and production's for a production build while the project promotes
// automatically. An alias already on a newer deployment stays.
Result<void>
SqlStore::move_aliases(Executor& executor, std::string_view deployment_id, std::int64_t now)
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
  if (built.pull_request > 0) {
    // A pull request's preview only: its source branch may be a fork's.
    labels.emplace_back(core::pull_request_label(built.project, built.pull_request), built.branch);
  } else if (!built.branch.empty()) {
    labels.emplace_back(core::branch_label(built.project, built.branch), built.branch);
  }
  if (core::is_production_deployment(*project, built) && project->auto_promote) {
    labels.emplace_back(built.project, "");
  }
  for (const auto& [label, branch] : labels) {
    auto previous =
      first_row(executor, m_sql.alias_target_for_update, sql_values(label), read_text);
    if (!previous) {
      return std::unexpected(previous.error());
    }
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
    if (auto recorded =
          record_move(executor, label, built.project, previous->value_or(""), built.id, now);
        !recorded) {
      return recorded;
    }
  }
  return {};
}

} // namespace reactor::store
