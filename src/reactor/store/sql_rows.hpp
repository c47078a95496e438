#pragma once

// Reading the store's rows into the model, and running a query for all its rows or its
// first: what every part of the SQL store shares.

#include "reactor/store/backend_support.hpp"
#include "reactor/store/metadata_store.hpp"

#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace reactor::store::rows {

// A visible job and its deployment's status.
struct Candidate
{
  Job job;
  core::Status status = core::Status::pending;
};

Result<core::Deployment> read_deployment(const Row& row);

Result<core::Project> read_project(const Row& row);

Result<Alias> read_alias(const Row& row);

Result<AliasHeld> read_alias_held(const Row& row);

Result<core::EnvVariable> read_env_variable(const Row& row);

Result<core::DeployHook> read_deploy_hook(const Row& row);
Result<core::CustomDomain> read_custom_domain(const Row& row);
Result<core::NotificationEndpoint> read_notification_endpoint(const Row& row);
Result<Notification> read_notification(const Row& row);
Result<NotificationSend> read_notification_send(const Row& row);

Result<core::Event> read_event(const Row& row);

Result<core::Status> read_status(const Row& row, int column, std::string_view id);

Result<Candidate> read_candidate(const Row& row);

Result<DeadLetter> read_dead_letter(const Row& row);

Result<DeploymentStatus> read_deployment_status(const Row& row);

Result<std::pair<std::string, std::int64_t>> read_count(const Row& row);

Result<std::string> read_text(const Row& row);

Result<std::int64_t> read_int64(const Row& row);

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

} // namespace reactor::store::rows
