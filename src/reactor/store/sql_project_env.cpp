#include "reactor/core/project_env.hpp"
#include "reactor/store/sql_store_impl.hpp"

#include <algorithm>

namespace reactor::store {

using namespace rows;

Result<EnvWrite>
SqlStore::set_env(std::string_view project, const core::EnvVariable& variable)
{
  return run("set a variable of project", project, [&](Executor& executor) -> Result<EnvWrite> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    // Reading the project keeps it until the transaction ends (no deletion meanwhile).
    auto found = first_row(executor, m_sql.select_project, sql_values(project), read_project);
    if (!found) {
      return std::unexpected(found.error());
    }
    if (!*found) {
      return EnvWrite::unknown_project;
    }
    auto existing = all_rows(executor, m_sql.project_env, sql_values(project), read_env_variable);
    if (!existing) {
      return std::unexpected(existing.error());
    }
    const bool replaces =
      std::ranges::find(*existing, variable.name, &core::EnvVariable::name) != existing->end();
    const auto now = m_clock();
    const auto updated = variable.updated_at_ms != 0 ? variable.updated_at_ms : now;
    const auto scopes = core::scopes_text(variable.scopes);
    if (auto written = executor.execute(
          m_sql.upsert_env, sql_values(project, variable.name, scopes, variable.sealed, updated));
        !written) {
      return std::unexpected(written.error());
    }
    if (auto appended = executor.append_event(project_event(project, now)); !appended) {
      return std::unexpected(appended.error());
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return replaces ? EnvWrite::updated : EnvWrite::created;
  });
}

Result<bool>
SqlStore::delete_env(std::string_view project, std::string_view name)
{
  return run("delete a variable of project", project, [&](Executor& executor) -> Result<bool> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    auto deleted = executor.execute(m_sql.delete_env, sql_values(project, name));
    if (!deleted) {
      return std::unexpected(deleted.error());
    }
    if (*deleted == 0) {
      return false;
    }
    if (auto appended = executor.append_event(project_event(project, m_clock())); !appended) {
      return std::unexpected(appended.error());
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return true;
  });
}

Result<std::vector<core::EnvVariable>>
SqlStore::project_env(std::string_view project)
{
  return run("read the variables of project", project, [&](Executor& executor) {
    return all_rows(executor, m_sql.project_env, sql_values(project), read_env_variable);
  });
}

Result<std::vector<core::EnvVariable>>
SqlStore::deployment_env(std::string_view id)
{
  return run("read the variables of deployment", id, [&](Executor& executor) {
    return all_rows(executor, m_sql.deployment_env, sql_values(id), read_env_variable);
  });
}

} // namespace reactor::store
