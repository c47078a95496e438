#include "reactor/store/sql_store_impl.hpp"

#include <chrono>

namespace reactor::store {

using namespace rows;

namespace {

// How long a delivery id is remembered: longer than any provider redelivers.
constexpr std::int64_t k_delivery_memory_ms =
  std::chrono::milliseconds(std::chrono::days(7)).count();

} // namespace

Result<bool>
SqlStore::set_webhook_secret(std::string_view project, std::string_view sealed)
{
  return run("set the webhook secret of project", project, [&](Executor& executor) -> Result<bool> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    // Reading the project keeps it until the transaction ends (no deletion meanwhile).
    auto found = first_row(executor, m_sql.select_project, sql_values(project), read_project);
    if (!found) {
      return std::unexpected(found.error());
    }
    if (!*found) {
      return false;
    }
    auto written =
      executor.execute(m_sql.upsert_webhook_secret, sql_values(project, sealed, m_clock()));
    if (!written) {
      return std::unexpected(written.error());
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return true;
  });
}

Result<std::optional<std::string>>
SqlStore::webhook_secret(std::string_view project)
{
  return run("read the webhook secret of project", project, [&](Executor& executor) {
    return first_row(executor, m_sql.webhook_secret, sql_values(project), read_text);
  });
}

Result<void>
SqlStore::record_delivery_answer(std::string_view project, const WebhookDelivery& answered)
{
  return run("record the answer to a webhook delivery of project",
             project,
             [&](Executor& executor) -> Result<void> {
               auto updated = executor.execute(m_sql.answer_delivery,
                                               sql_values(project,
                                                          answered.provider,
                                                          answered.delivery_id,
                                                          answered.event,
                                                          std::int64_t{ answered.status },
                                                          answered.result,
                                                          answered.deployment_id));
               if (!updated) {
                 return std::unexpected(updated.error());
               }
               return {};
             });
}

Result<std::vector<WebhookDelivery>>
SqlStore::webhook_deliveries(std::string_view project, int limit)
{
  return run("read the webhook deliveries of project", project, [&](Executor& executor) {
    return all_rows(executor,
                    m_sql.project_deliveries,
                    sql_values(project, std::int64_t{ limit }),
                    [](const Row& row) -> Result<WebhookDelivery> {
                      return WebhookDelivery{ .provider = row.text(0),
                                              .delivery_id = row.text(1),
                                              .event = row.text(2),
                                              .status = static_cast<int>(row.int64(3)),
                                              .result = row.text(4),
                                              .deployment_id = row.text(5),
                                              .received_at_ms = row.int64(6) };
                    });
  });
}

Result<bool>
SqlStore::remember_delivery(std::string_view project,
                            std::string_view provider,
                            std::string_view delivery_id)
{
  return run(
    "remember a webhook delivery of project", project, [&](Executor& executor) -> Result<bool> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      const auto now = m_clock();
      if (auto forgotten =
            executor.execute(m_sql.forget_deliveries, sql_values(now - k_delivery_memory_ms));
          !forgotten) {
        return std::unexpected(forgotten.error());
      }
      auto inserted =
        executor.execute(m_sql.insert_delivery, sql_values(project, provider, delivery_id, now));
      if (!inserted) {
        return std::unexpected(inserted.error());
      }
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return *inserted > 0;
    });
}

Result<bool>
SqlStore::drop_alias(std::string_view project, std::string_view label)
{
  return run("drop an alias of project", project, [&](Executor& executor) -> Result<bool> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    auto deleted = executor.execute(m_sql.delete_alias, sql_values(project, label));
    if (!deleted) {
      return std::unexpected(deleted.error());
    }
    if (*deleted == 0) {
      return false;
    }
    if (auto appended = executor.append_event(alias_event(label, "", m_clock())); !appended) {
      return std::unexpected(appended.error());
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return true;
  });
}

} // namespace reactor::store
