#include "reactor/store/sql_rows.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/core/project.hpp"

namespace reactor::store::rows {

using util::fail;

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
  deployment.pull_request = static_cast<int>(row.int64(13));
  deployment.from_fork = row.int64(14) != 0;
  deployment.inputs_digest = row.text(15);
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
  const auto protection = core::parse_protection(row.text(6));
  if (!protection) {
    return fail("project '" + project.name + "' has an unknown protection '" + row.text(6) + "'");
  }
  project.protection = *protection;
  project.password_hash = row.text(7);
  project.bypass_hash = row.text(8);
  project.skew_window_days = static_cast<int>(row.int64(9));
  project.skew_max_deployments = static_cast<int>(row.int64(10));
  project.deploy_tags = row.int64(11) != 0;
  project.build_fork_pull_requests = row.int64(12) != 0;
  return project;
}

Result<Alias>
read_alias(const Row& row)
{
  return Alias{ .label = row.text(0), .branch = row.text(1), .deployment_id = row.text(2) };
}

Result<AliasHeld>
read_alias_held(const Row& row)
{
  return AliasHeld{ .label = row.text(0), .deployment_id = row.text(1), .until_ms = row.int64(2) };
}

Result<core::EnvVariable>
read_env_variable(const Row& row)
{
  auto name = row.text(0);
  const auto scopes = core::parse_scopes_text(row.text(1));
  if (!scopes) {
    return util::fail("variable " + name + " has unknown scopes '" + row.text(1) + "'");
  }
  return core::EnvVariable{
    .name = std::move(name), .scopes = *scopes, .sealed = row.text(2), .updated_at_ms = row.int64(3)
  };
}

Result<core::DeployHook>
read_deploy_hook(const Row& row)
{
  return core::DeployHook{ .project = row.text(0),
                           .name = row.text(1),
                           .branch = row.text(2),
                           .token_hash = row.text(3),
                           .created_at_ms = row.int64(4) };
}

Result<core::CustomDomain>
read_custom_domain(const Row& row)
{
  const auto state = core::parse_domain_state(row.text(2));
  if (!state) {
    return fail("custom domain '" + row.text(0) + "' has an unknown state '" + row.text(2) + "'");
  }
  return core::CustomDomain{ .domain = row.text(0),
                             .project = row.text(1),
                             .state = *state,
                             .last_error = row.text(3),
                             .checked_at_ms = row.int64(4),
                             .created_at_ms = row.int64(5) };
}

Result<core::NotificationEndpoint>
read_notification_endpoint(const Row& row)
{
  return core::NotificationEndpoint{ .id = row.text(0),
                                     .project = row.text(1),
                                     .url = row.text(2),
                                     .events = core::split_events(row.text(3)),
                                     .sealed_secret = row.text(4),
                                     .created_at_ms = row.int64(5) };
}

Result<Notification>
read_notification(const Row& row)
{
  return Notification{ .id = row.text(0),
                       .endpoint_id = row.text(1),
                       .project = row.text(2),
                       .type = row.text(3),
                       .body = row.text(4),
                       .state = row.text(5),
                       .attempts = static_cast<int>(row.int64(6)),
                       .next_at_ms = row.int64(7),
                       .last_status = row.int64(8),
                       .last_error = row.text(9),
                       .last_at_ms = row.int64(10),
                       .created_at_ms = row.int64(11) };
}

Result<NotificationSend>
read_notification_send(const Row& row)
{
  auto notification = read_notification(row);
  if (!notification) {
    return std::unexpected(notification.error());
  }
  return NotificationSend{ .notification = std::move(*notification),
                           .url = row.text(12),
                           .sealed_secret = row.text(13),
                           .order = row.int64(14) };
}

Result<core::Event>
read_event(const Row& row)
{
  core::Event event;
  event.seq = row.int64(0);
  event.deployment_id = row.text(1);
  event.project = row.text(7);
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
  if (kind == "alias" || kind == "project") {
    event.kind = kind == "alias" ? core::EventKind::alias : core::EventKind::project;
    event.line = row.text(6);
    // A dropped alias has no deployment to name its project; its label always does.
    event.project = kind == "alias" ? std::string(core::label_project(event.line)) : event.line;
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

} // namespace reactor::store::rows
