#include "reactor/store/sql_store_impl.hpp"

#include <algorithm>
#include <utility>

namespace reactor::store {

using namespace rows;

Result<bool>
SqlStore::create_notification_endpoint(const core::NotificationEndpoint& endpoint)
{
  return run("add a notification endpoint of project",
             endpoint.project,
             [&](Executor& executor) -> Result<bool> {
               if (auto begun = executor.begin(); !begun) {
                 return std::unexpected(begun.error());
               }
               // Reading the project keeps it until the transaction ends.
               auto found = first_row(
                 executor, m_sql.select_project, sql_values(endpoint.project), read_project);
               if (!found) {
                 return std::unexpected(found.error());
               }
               if (!*found) {
                 return false;
               }
               const auto created =
                 endpoint.created_at_ms != 0 ? endpoint.created_at_ms : m_clock();
               auto inserted = executor.execute(m_sql.insert_notification_endpoint,
                                                sql_values(endpoint.id,
                                                           endpoint.project,
                                                           endpoint.url,
                                                           core::join_events(endpoint.events),
                                                           endpoint.sealed_secret,
                                                           created));
               if (!inserted) {
                 return std::unexpected(inserted.error());
               }
               if (auto committed = executor.commit(); !committed) {
                 return std::unexpected(committed.error());
               }
               return true;
             });
}

Result<std::vector<core::NotificationEndpoint>>
SqlStore::notification_endpoints(std::string_view project)
{
  return run("read the notification endpoints of project", project, [&](Executor& executor) {
    return all_rows(
      executor, m_sql.notification_endpoints, sql_values(project), read_notification_endpoint);
  });
}

Result<bool>
SqlStore::delete_notification_endpoint(std::string_view project, std::string_view id)
{
  return run(
    "delete a notification endpoint of project", project, [&](Executor& executor) -> Result<bool> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      auto deleted = executor.execute(m_sql.delete_notification_endpoint, sql_values(project, id));
      if (!deleted) {
        return std::unexpected(deleted.error());
      }
      if (*deleted == 0) {
        return false;
      }
      if (auto dropped = executor.execute(m_sql.delete_endpoint_notifications, sql_values(id));
          !dropped) {
        return std::unexpected(dropped.error());
      }
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return true;
    });
}

Result<std::optional<std::int64_t>>
SqlStore::notifier_cursor()
{
  return run("read the notifier's place in the change feed", "", [&](Executor& executor) {
    return first_row(executor, m_sql.notifier_cursor, sql_values(), read_int64);
  });
}

Result<bool>
SqlStore::add_notifications(const std::vector<Notification>& notifications,
                            const std::optional<CursorMove>& move)
{
  return run("add notifications", "", [&](Executor& executor) -> Result<bool> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    if (move) {
      auto current =
        first_row(executor, m_sql.notifier_cursor_for_update, sql_values(), read_int64);
      if (!current) {
        return std::unexpected(current.error());
      }
      if (*current != move->from) {
        return false; // another node turned these events into notifications
      }
      auto moved =
        move->from ? executor.execute(m_sql.move_notifier_cursor, sql_values(*move->from, move->to))
                   : executor.execute(m_sql.insert_notifier_cursor, sql_values(move->to));
      if (!moved) {
        return std::unexpected(moved.error());
      }
      if (*moved == 0) {
        return false;
      }
    }
    const auto now = m_clock();
    for (const auto& notification : notifications) {
      auto inserted = executor.execute(m_sql.insert_notification,
                                       sql_values(notification.id,
                                                  notification.endpoint_id,
                                                  notification.project,
                                                  notification.type,
                                                  notification.body,
                                                  now));
      if (!inserted) {
        return std::unexpected(inserted.error());
      }
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return true;
  });
}

Result<std::vector<NotificationSend>>
SqlStore::lease_notifications(std::chrono::milliseconds lease, int limit)
{
  return run(
    "lease notifications", "", [&](Executor& executor) -> Result<std::vector<NotificationSend>> {
      // Polled every half second by every worker: only a due notification is worth a write
      // transaction.
      auto due = first_row(executor, m_sql.due_notification, sql_values(m_clock()), read_text);
      if (!due) {
        return std::unexpected(due.error());
      }
      if (!*due) {
        return std::vector<NotificationSend>{};
      }
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      const auto now = m_clock();
      auto ids = all_rows(executor,
                          m_sql.lease_notifications,
                          sql_values(now, now + lease.count(), std::int64_t{ limit }),
                          read_text);
      if (!ids) {
        return std::unexpected(ids.error());
      }
      std::vector<NotificationSend> leased;
      for (const auto& id : *ids) {
        auto read =
          first_row(executor, m_sql.leased_notification, sql_values(id), read_notification_send);
        if (!read) {
          return std::unexpected(read.error());
        }
        if (auto& send = *read) {
          leased.push_back(std::move(*send));
        }
      }
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      // Sent in the order their events happened (RETURNING keeps no order).
      std::ranges::sort(leased, [](const NotificationSend& a, const NotificationSend& b) {
        return std::pair(a.notification.next_at_ms, a.order) <
               std::pair(b.notification.next_at_ms, b.order);
      });
      return leased;
    });
}

Result<void>
SqlStore::record_notification_attempt(const Notification& attempted)
{
  return run(
    "record a notification's attempt", attempted.project, [&](Executor& executor) -> Result<void> {
      auto recorded = executor.execute(m_sql.record_notification_attempt,
                                       sql_values(attempted.id,
                                                  attempted.state,
                                                  std::int64_t{ attempted.attempts },
                                                  attempted.next_at_ms,
                                                  attempted.last_status,
                                                  attempted.last_error,
                                                  attempted.last_at_ms));
      if (!recorded) {
        return std::unexpected(recorded.error());
      }
      return {};
    });
}

Result<std::vector<Notification>>
SqlStore::project_notifications(std::string_view project, int limit)
{
  return run("read the notifications of project", project, [&](Executor& executor) {
    return all_rows(executor,
                    m_sql.project_notifications,
                    sql_values(project, std::int64_t{ limit }),
                    read_notification);
  });
}

} // namespace reactor::store
