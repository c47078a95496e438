#include "reactor/store/sql_store_impl.hpp"

namespace reactor::store {

using namespace rows;

Result<DomainWrite>
SqlStore::add_custom_domain(const core::CustomDomain& domain)
{
  return run("add a custom domain of project",
             domain.project,
             [&](Executor& executor) -> Result<DomainWrite> {
               if (auto begun = executor.begin(); !begun) {
                 return std::unexpected(begun.error());
               }
               // Reading the project keeps it until the transaction ends (no deletion meanwhile).
               auto found = first_row(
                 executor, m_sql.select_project, sql_values(domain.project), read_project);
               if (!found) {
                 return std::unexpected(found.error());
               }
               if (!*found) {
                 return DomainWrite::unknown_project;
               }
               const auto created = domain.created_at_ms != 0 ? domain.created_at_ms : m_clock();
               auto inserted = executor.execute(m_sql.insert_custom_domain,
                                                sql_values(domain.domain,
                                                           domain.project,
                                                           core::to_string(domain.state),
                                                           domain.last_error,
                                                           domain.checked_at_ms,
                                                           created));
               if (!inserted) {
                 return std::unexpected(inserted.error());
               }
               if (*inserted == 0) {
                 return DomainWrite::taken;
               }
               if (auto committed = executor.commit(); !committed) {
                 return std::unexpected(committed.error());
               }
               return DomainWrite::created;
             });
}

Result<std::optional<core::CustomDomain>>
SqlStore::find_custom_domain(std::string_view domain)
{
  return run("find the custom domain", domain, [&](Executor& executor) {
    return first_row(executor, m_sql.custom_domain, sql_values(domain), read_custom_domain);
  });
}

Result<std::vector<core::CustomDomain>>
SqlStore::project_custom_domains(std::string_view project)
{
  return run("read the custom domains of project", project, [&](Executor& executor) {
    return all_rows(
      executor, m_sql.project_custom_domains, sql_values(project), read_custom_domain);
  });
}

Result<std::vector<core::CustomDomain>>
SqlStore::custom_domains_in(core::DomainState state)
{
  return run("read the custom domains in state", core::to_string(state), [&](Executor& executor) {
    return all_rows(executor,
                    m_sql.custom_domains_in_state,
                    sql_values(core::to_string(state)),
                    read_custom_domain);
  });
}

Result<void>
SqlStore::record_domain_check(const core::CustomDomain& checked)
{
  return run(
    "record the DNS check of custom domain",
    checked.domain,
    [&](Executor& executor) -> Result<void> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      auto stored =
        first_row(executor, m_sql.custom_domain, sql_values(checked.domain), read_custom_domain);
      if (!stored) {
        return std::unexpected(stored.error());
      }
      const auto& before = *stored;
      if (!before) {
        return {}; // removed meanwhile
      }
      auto updated = executor.execute(m_sql.update_custom_domain,
                                      sql_values(checked.domain,
                                                 core::to_string(checked.state),
                                                 checked.last_error,
                                                 checked.checked_at_ms));
      if (!updated) {
        return std::unexpected(updated.error());
      }
      if (before->state != checked.state) {
        if (auto appended = executor.append_event(project_event(before->project, m_clock()));
            !appended) {
          return std::unexpected(appended.error());
        }
      }
      return executor.commit();
    });
}

Result<bool>
SqlStore::delete_custom_domain(std::string_view project, std::string_view domain)
{
  return run("remove a custom domain of project", project, [&](Executor& executor) -> Result<bool> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    auto deleted = executor.execute(m_sql.delete_custom_domain, sql_values(project, domain));
    if (!deleted) {
      return std::unexpected(deleted.error());
    }
    if (*deleted == 0) {
      return false;
    }
    // Nothing may serve the name once it is no project's: every edge drops the certificate
    // when it reads the store next.
    if (auto dropped = executor.execute(m_sql.delete_certificate, sql_values(domain)); !dropped) {
      return std::unexpected(dropped.error());
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

} // namespace reactor::store
