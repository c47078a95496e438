#include "reactor/store/sql_store_impl.hpp"

namespace reactor::store {

using namespace rows;

Result<HookWrite>
SqlStore::create_deploy_hook(const core::DeployHook& hook)
{
  return run(
    "create a deploy hook of project", hook.project, [&](Executor& executor) -> Result<HookWrite> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      // Reading the project keeps it until the transaction ends (no deletion meanwhile).
      auto found =
        first_row(executor, m_sql.select_project, sql_values(hook.project), read_project);
      if (!found) {
        return std::unexpected(found.error());
      }
      if (!*found) {
        return HookWrite::unknown_project;
      }
      const auto created = hook.created_at_ms != 0 ? hook.created_at_ms : m_clock();
      auto inserted = executor.execute(
        m_sql.insert_deploy_hook,
        sql_values(hook.project, hook.name, hook.branch, hook.token_hash, created));
      if (!inserted) {
        return std::unexpected(inserted.error());
      }
      if (*inserted == 0) {
        return HookWrite::name_taken;
      }
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return HookWrite::created;
    });
}

Result<std::vector<core::DeployHook>>
SqlStore::project_deploy_hooks(std::string_view project)
{
  return run("read the deploy hooks of project", project, [&](Executor& executor) {
    return all_rows(executor, m_sql.project_deploy_hooks, sql_values(project), read_deploy_hook);
  });
}

Result<std::optional<core::DeployHook>>
SqlStore::find_deploy_hook(std::string_view token_hash)
{
  return run("find a deploy hook", "", [&](Executor& executor) {
    return first_row(
      executor, m_sql.deploy_hook_by_token, sql_values(token_hash), read_deploy_hook);
  });
}

Result<bool>
SqlStore::delete_deploy_hook(std::string_view project, std::string_view name)
{
  return run("delete a deploy hook of project", project, [&](Executor& executor) -> Result<bool> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    auto deleted = executor.execute(m_sql.delete_deploy_hook, sql_values(project, name));
    if (!deleted) {
      return std::unexpected(deleted.error());
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return *deleted > 0;
  });
}

} // namespace reactor::store
