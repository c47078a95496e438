#pragma once

// The SQL store's class, shared by the files that define its operations: sql_store.cpp
// (deployments, events, deletion), sql_queue.cpp (the job queue and dead letters) and
// sql_projects.cpp (projects and their aliases), sql_project_env.cpp (their variables),
// sql_deploy_hooks.cpp (their deploy hooks), sql_custom_domains.cpp (their own domains),
// sql_webhooks.cpp (their Git webhooks' secrets and deliveries), sql_notifications.cpp
// (their outgoing notifications) and sql_certificates.cpp (certificates obtained over
// ACME, the account, challenges, leases).

#include "reactor/store/sql_rows.hpp"
#include "reactor/store/sql_store.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace reactor::store {

class SqlStore final : public MetadataStore
{
public:
  SqlStore(std::unique_ptr<SqlBackend> backend, const Statements& statements, Clock clock);

  // Deployments and events (sql_store.cpp)
  Result<void> create_deployment(const core::Deployment& deployment) override;
  Result<std::optional<core::Deployment>> find_deployment(std::string_view id) override;
  Result<std::vector<core::Deployment>> list_deployments(int limit) override;
  Result<bool> update_status(const core::StatusChange& change) override;
  Result<void> record_commit(std::string_view id, std::string_view commit) override;
  Result<void> append_logs(std::string_view deployment_id,
                           std::span<const std::string> lines) override;
  Result<std::vector<core::Event>> events_after(std::int64_t after,
                                                std::string_view deployment_id,
                                                int limit) override;
  Result<std::vector<core::Event>> project_events_after(std::int64_t after,
                                                        std::string_view project,
                                                        int limit) override;
  Result<std::vector<core::Event>> edge_events_after(std::int64_t after, int limit) override;
  Result<std::int64_t> last_event_seq() override;
  Result<DeleteOutcome> delete_deployment(std::string_view id) override;
  Result<std::vector<DeploymentStatus>> deployment_statuses() override;
  void on_change(std::function<void()> callback) override;

  // The job queue and dead letters (sql_queue.cpp)
  Result<std::optional<Job>> lease_job(std::chrono::milliseconds lease) override;
  Result<bool> extend_lease(const Job& job, std::chrono::milliseconds lease) override;
  Result<bool> finish_job(const Job& job, const core::StatusChange& change) override;
  Result<void> release_job(const Job& job) override;
  Result<std::optional<QueuePlace>> queue_place(std::string_view deployment_id) override;
  Result<std::vector<DeadLetter>> list_dead_letters() override;
  Result<StoreCounts> counts() override;
  Result<bool> redrive(std::string_view deployment_id) override;

  // Projects and aliases (sql_projects.cpp)
  Result<bool> create_project(const core::Project& project) override;
  Result<std::optional<core::Project>> find_project(std::string_view name) override;
  Result<std::vector<core::Project>> list_projects() override;
  Result<ProjectUpdate> update_project(const core::Project& expected,
                                       const core::Project& updated) override;
  Result<DeleteOutcome> delete_project(std::string_view name) override;
  Result<std::vector<core::Deployment>> list_project_deployments(std::string_view project,
                                                                 int limit) override;
  Result<std::vector<core::Deployment>> same_input_deployments(std::string_view project,
                                                               std::string_view inputs_digest,
                                                               std::string_view commit) override;
  Result<std::vector<Alias>> project_aliases(std::string_view project) override;
  Result<std::optional<std::string>> resolve_alias(std::string_view label) override;
  Result<std::vector<std::string>> skew_deployments(std::string_view label) override;
  Result<std::vector<AliasHeld>> alias_history(std::string_view project) override;
  Result<std::vector<core::Deployment>> project_owned_deployments() override;
  Result<bool> set_production(std::string_view project,
                              std::string_view deployment_id,
                              std::string_view expected,
                              bool auto_promote) override;

  // Projects' environment variables (sql_project_env.cpp)
  Result<EnvWrite> set_env(std::string_view project, const core::EnvVariable& variable) override;
  Result<bool> delete_env(std::string_view project, std::string_view name) override;
  Result<std::vector<core::EnvVariable>> project_env(std::string_view project) override;
  Result<std::vector<core::EnvVariable>> deployment_env(std::string_view id) override;

  // Deploy hooks (sql_deploy_hooks.cpp)
  Result<HookWrite> create_deploy_hook(const core::DeployHook& hook) override;
  Result<std::vector<core::DeployHook>> project_deploy_hooks(std::string_view project) override;
  Result<std::optional<core::DeployHook>> find_deploy_hook(std::string_view token_hash) override;
  Result<bool> delete_deploy_hook(std::string_view project, std::string_view name) override;

  // Custom domains (sql_custom_domains.cpp)
  Result<DomainWrite> add_custom_domain(const core::CustomDomain& domain) override;
  Result<std::optional<core::CustomDomain>> find_custom_domain(std::string_view domain) override;
  Result<std::vector<core::CustomDomain>> project_custom_domains(std::string_view project) override;
  Result<std::vector<core::CustomDomain>> custom_domains_in(core::DomainState state) override;
  Result<void> record_domain_check(const core::CustomDomain& checked) override;
  Result<bool> delete_custom_domain(std::string_view project, std::string_view domain) override;

  // Webhooks (sql_webhooks.cpp)
  Result<bool> set_webhook_secret(std::string_view project, std::string_view sealed) override;
  Result<std::optional<std::string>> webhook_secret(std::string_view project) override;
  Result<void> record_delivery_answer(std::string_view project,
                                      const WebhookDelivery& answered) override;
  Result<std::vector<WebhookDelivery>> webhook_deliveries(std::string_view project,
                                                          int limit) override;
  Result<bool> remember_delivery(std::string_view project,
                                 std::string_view provider,
                                 std::string_view delivery_id) override;
  Result<bool> drop_alias(std::string_view project, std::string_view label) override;

  // Notifications (sql_notifications.cpp)
  Result<bool> create_notification_endpoint(const core::NotificationEndpoint& endpoint) override;
  Result<std::vector<core::NotificationEndpoint>> notification_endpoints(
    std::string_view project) override;
  Result<bool> delete_notification_endpoint(std::string_view project, std::string_view id) override;
  Result<std::optional<std::int64_t>> notifier_cursor() override;
  Result<bool> add_notifications(const std::vector<Notification>& notifications,
                                 const std::optional<CursorMove>& move) override;
  Result<std::vector<NotificationSend>> lease_notifications(std::chrono::milliseconds lease,
                                                            int limit) override;
  Result<void> record_notification_attempt(const Notification& attempted) override;
  Result<std::vector<Notification>> project_notifications(std::string_view project,
                                                          int limit) override;

  // Certificates, the ACME account, HTTP-01 answers and leases (sql_certificates.cpp)
  Result<std::vector<ManagedCertificate>> certificates() override;
  Result<void> save_certificate(const ManagedCertificate& certificate) override;
  Result<std::optional<AcmeAccount>> acme_account(std::string_view directory) override;
  Result<bool> save_acme_account(const AcmeAccount& account) override;
  Result<void> put_acme_challenge(std::string_view token,
                                  std::string_view key_authorization) override;
  Result<std::optional<std::string>> acme_challenge(std::string_view token) override;
  Result<void> delete_acme_challenge(std::string_view token) override;
  Result<int> sweep_acme_challenges(std::int64_t before_ms) override;
  Result<bool> take_lease(std::string_view name,
                          std::string_view holder,
                          std::chrono::milliseconds duration) override;
  Result<void> release_lease(std::string_view name, std::string_view holder) override;

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
      return util::fail(message + ": " + ran.error().message);
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

  static NewEvent project_event(std::string_view project, std::int64_t now)
  {
    return NewEvent{ .kind = core::EventKind::project, .line = std::string(project), .at_ms = now };
  }

  // Records in the alias's history that `previous` held it until `now`, when another
  // deployment took it ("" or the same one: nothing to record).
  Result<void> record_move(Executor& executor,
                           std::string_view label,
                           std::string_view project,
                           std::string_view previous,
                           std::string_view current,
                           std::int64_t now);

  // Moves the aliases a project's deployment that just reached DEPLOYED earns: its
  // branch's, and production's for a production build while the project promotes
  // automatically. An alias already on a newer deployment stays.
  Result<void> move_aliases(Executor& executor, std::string_view deployment_id, std::int64_t now);

  // Deletes the deployment's rows and appends its tombstone (inside the transaction).
  Result<void> remove_deployment(Executor& executor, std::string_view id, std::int64_t now);

  // Writes the change and appends its event unconditionally (inside the transaction).
  Result<void> set_status(Executor& executor, const core::StatusChange& change, std::int64_t now);

  // False (nothing written) when the deployment is unknown or already final; the status
  // read stays true until the transaction ends.
  Result<bool> apply_change(Executor& executor, const core::StatusChange& change, std::int64_t now);

  // Moves the job to the dead-letter queue and its deployment to ERROR.
  Result<void> dead_letter(Executor& executor, const Job& job, std::int64_t now);

  std::unique_ptr<SqlBackend> m_backend;
  Statements m_sql;
  Clock m_clock;
};

} // namespace reactor::store
