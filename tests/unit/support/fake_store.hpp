#pragma once

#include "reactor/store/metadata_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>

namespace reactor::testing {

using util::Result;

// An in-memory MetadataStore with one queue, enough to drive the builder (and an edge that
// only reads deployments) in tests.
class FakeStore final : public store::MetadataStore
{
public:
  Result<void> create_deployment(const core::Deployment& deployment) override
  {
    std::lock_guard lock(m_mutex);
    m_deployments[deployment.id] = deployment;
    m_queue.push_back(store::Job{ ++m_next_job, deployment.id, 0, "" });
    return {};
  }

  Result<std::optional<core::Deployment>> find_deployment(std::string_view id) override
  {
    std::lock_guard lock(m_mutex);
    const auto it = m_deployments.find(std::string(id));
    if (it == m_deployments.end()) {
      return std::optional<core::Deployment>{};
    }
    return std::optional(it->second);
  }

  Result<std::vector<core::Deployment>> list_deployments(int) override { return {}; }

  Result<void> record_commit(std::string_view, std::string_view) override { return {}; }
  Result<bool> update_status(const core::StatusChange& change) override
  {
    std::lock_guard lock(m_mutex);
    return apply(change);
  }

  Result<void> append_logs(std::string_view, std::span<const std::string> lines) override
  {
    std::lock_guard lock(m_mutex);
    if (m_failing_log_writes > 0) {
      --m_failing_log_writes;
      return util::fail("the store is away");
    }
    ++m_log_batches;
    m_logs.insert(m_logs.end(), lines.begin(), lines.end());
    return {};
  }

  Result<std::vector<core::Event>> events_after(std::int64_t, std::string_view, int) override
  {
    return {};
  }

  Result<std::vector<core::Event>> project_events_after(std::int64_t,
                                                        std::string_view,
                                                        int) override
  {
    return {};
  }
  Result<std::vector<core::Event>> edge_events_after(std::int64_t, int) override { return {}; }

  Result<std::int64_t> last_event_seq() override { return 0; }

  Result<std::optional<store::Job>> lease_job(std::chrono::milliseconds) override
  {
    std::lock_guard lock(m_mutex);
    if (m_queue.empty()) {
      return std::optional<store::Job>{};
    }
    auto job = m_queue.front();
    m_queue.erase(m_queue.begin());
    ++job.receives;
    job.lease_token = "token-" + std::to_string(job.id) + "-" + std::to_string(job.receives);
    m_leased[job.id] = job;
    return std::optional(job);
  }

  Result<bool> extend_lease(const store::Job& job, std::chrono::milliseconds) override
  {
    std::lock_guard lock(m_mutex);
    ++m_extends;
    return m_leased.contains(job.id) && !m_lose_leases;
  }

  Result<bool> finish_job(const store::Job& job, const core::StatusChange& change) override
  {
    std::lock_guard lock(m_mutex);
    if (!m_leased.contains(job.id)) {
      return false;
    }
    m_leased.erase(job.id);
    apply(change);
    m_finished.push_back(change);
    return true;
  }

  Result<void> release_job(const store::Job& job) override
  {
    std::lock_guard lock(m_mutex);
    if (m_leased.erase(job.id) > 0) {
      m_queue.push_back(job);
      ++m_released;
    }
    return {};
  }

  Result<std::optional<store::QueuePlace>> queue_place(std::string_view id) override
  {
    std::lock_guard lock(m_mutex);
    const auto job = std::ranges::find(m_queue, id, &store::Job::deployment_id);
    if (job == m_queue.end()) {
      return std::optional<store::QueuePlace>{};
    }
    return std::optional(
      store::QueuePlace{ job - m_queue.begin() + 1, static_cast<std::int64_t>(m_leased.size()) });
  }
  util::Result<store::StoreCounts> counts() override { return store::StoreCounts{}; }
  Result<std::vector<store::DeadLetter>> list_dead_letters() override { return {}; }
  Result<bool> redrive(std::string_view) override { return false; }
  Result<store::DeleteOutcome> delete_deployment(std::string_view) override
  {
    return store::DeleteOutcome::unknown;
  }
  Result<std::vector<store::DeploymentStatus>> deployment_statuses() override { return {}; }
  // Projects are not what the tests using this store exercise (store_test covers them).
  Result<bool> create_project(const core::Project&) override { return false; }
  Result<std::optional<core::Project>> find_project(std::string_view) override
  {
    return std::nullopt;
  }
  Result<std::vector<core::Project>> list_projects() override { return {}; }
  Result<store::ProjectUpdate> update_project(const core::Project&, const core::Project&) override
  {
    return store::ProjectUpdate::missing;
  }
  Result<store::DeleteOutcome> delete_project(std::string_view) override
  {
    return store::DeleteOutcome::unknown;
  }
  Result<std::vector<core::Deployment>> list_project_deployments(std::string_view, int) override
  {
    return {};
  }
  Result<std::vector<core::Deployment>> same_input_deployments(std::string_view,
                                                               std::string_view,
                                                               std::string_view) override
  {
    return {};
  }
  Result<std::vector<store::Alias>> project_aliases(std::string_view) override { return {}; }
  Result<std::optional<std::string>> resolve_alias(std::string_view) override
  {
    return std::nullopt;
  }
  Result<std::vector<std::string>> skew_deployments(std::string_view) override { return {}; }
  Result<std::vector<store::AliasHeld>> alias_history(std::string_view) override { return {}; }
  Result<std::vector<core::Deployment>> project_owned_deployments() override { return {}; }
  Result<bool> set_production(std::string_view, std::string_view, std::string_view, bool) override
  {
    return false;
  }
  Result<store::EnvWrite> set_env(std::string_view, const core::EnvVariable&) override
  {
    return store::EnvWrite::unknown_project;
  }
  Result<bool> delete_env(std::string_view, std::string_view) override { return false; }
  Result<std::vector<core::EnvVariable>> project_env(std::string_view) override { return {}; }
  Result<std::vector<core::EnvVariable>> deployment_env(std::string_view) override { return {}; }
  Result<store::DomainWrite> add_custom_domain(const core::CustomDomain&) override
  {
    return store::DomainWrite::unknown_project;
  }
  Result<std::optional<core::CustomDomain>> find_custom_domain(std::string_view) override
  {
    return std::nullopt;
  }
  Result<std::vector<core::CustomDomain>> project_custom_domains(std::string_view) override
  {
    return {};
  }
  Result<std::vector<core::CustomDomain>> custom_domains_in(core::DomainState) override
  {
    return {};
  }
  Result<void> record_domain_check(const core::CustomDomain&) override { return {}; }
  Result<bool> delete_custom_domain(std::string_view, std::string_view) override { return false; }
  Result<store::HookWrite> create_deploy_hook(const core::DeployHook&) override
  {
    return store::HookWrite::unknown_project;
  }
  Result<std::vector<core::DeployHook>> project_deploy_hooks(std::string_view) override
  {
    return {};
  }
  Result<std::optional<core::DeployHook>> find_deploy_hook(std::string_view) override
  {
    return std::nullopt;
  }
  Result<bool> delete_deploy_hook(std::string_view, std::string_view) override { return false; }
  Result<bool> set_webhook_secret(std::string_view, std::string_view) override { return false; }
  Result<std::optional<std::string>> webhook_secret(std::string_view) override
  {
    return std::nullopt;
  }
  Result<void> record_delivery_answer(std::string_view, const store::WebhookDelivery&) override
  {
    return {};
  }
  Result<std::vector<store::WebhookDelivery>> webhook_deliveries(std::string_view, int) override
  {
    return {};
  }
  Result<bool> remember_delivery(std::string_view, std::string_view, std::string_view) override
  {
    return true;
  }
  Result<bool> drop_alias(std::string_view, std::string_view) override { return false; }
  Result<bool> create_notification_endpoint(const core::NotificationEndpoint&) override
  {
    return false;
  }
  Result<std::vector<core::NotificationEndpoint>> notification_endpoints(std::string_view) override
  {
    return {};
  }
  Result<bool> delete_notification_endpoint(std::string_view, std::string_view) override
  {
    return false;
  }
  Result<std::optional<std::int64_t>> notifier_cursor() override { return std::nullopt; }
  Result<bool> add_notifications(const std::vector<store::Notification>&,
                                 const std::optional<store::CursorMove>&) override
  {
    return true;
  }
  Result<std::vector<store::NotificationSend>> lease_notifications(std::chrono::milliseconds,
                                                                   int) override
  {
    return {};
  }
  Result<void> record_notification_attempt(const store::Notification&) override { return {}; }
  Result<std::vector<store::Notification>> project_notifications(std::string_view, int) override
  {
    return {};
  }
  Result<std::vector<store::ManagedCertificate>> certificates() override { return {}; }
  Result<void> save_certificate(const store::ManagedCertificate&) override { return {}; }
  Result<std::optional<store::AcmeAccount>> acme_account(std::string_view) override
  {
    return std::nullopt;
  }
  Result<bool> save_acme_account(const store::AcmeAccount&) override { return true; }
  Result<void> put_acme_challenge(std::string_view, std::string_view) override { return {}; }
  Result<std::optional<std::string>> acme_challenge(std::string_view) override
  {
    return std::nullopt;
  }
  Result<void> delete_acme_challenge(std::string_view) override { return {}; }
  Result<int> sweep_acme_challenges(std::int64_t) override { return 0; }
  Result<bool> take_lease(std::string_view, std::string_view, std::chrono::milliseconds) override
  {
    return true;
  }
  Result<void> release_lease(std::string_view, std::string_view) override { return {}; }

  void on_change(std::function<void()>) override {}

  // Test helpers.
  core::Deployment deployment(const std::string& id)
  {
    std::lock_guard lock(m_mutex);
    return m_deployments.at(id);
  }
  void set_status(const std::string& id, core::Status status)
  {
    std::lock_guard lock(m_mutex);
    m_deployments.at(id).status = status;
  }
  std::vector<std::string> logs()
  {
    std::lock_guard lock(m_mutex);
    return m_logs;
  }
  std::vector<core::Phase> phases()
  {
    std::lock_guard lock(m_mutex);
    return m_phases;
  }
  std::vector<core::StatusChange> finished()
  {
    std::lock_guard lock(m_mutex);
    return m_finished;
  }
  int released()
  {
    std::lock_guard lock(m_mutex);
    return m_released;
  }
  int extends()
  {
    std::lock_guard lock(m_mutex);
    return m_extends;
  }
  int log_batches()
  {
    std::lock_guard lock(m_mutex);
    return m_log_batches;
  }
  // The next `count` log writes fail.
  void fail_log_writes(int count)
  {
    std::lock_guard lock(m_mutex);
    m_failing_log_writes = count;
  }

  void set_lose_leases(bool lose)
  {
    std::lock_guard lock(m_mutex);
    m_lose_leases = lose;
  }
  std::size_t queued()
  {
    std::lock_guard lock(m_mutex);
    return m_queue.size();
  }

private:
  bool apply(const core::StatusChange& change)
  {
    const auto it = m_deployments.find(change.deployment_id);
    if (it == m_deployments.end() || core::is_final(it->second.status)) {
      return false;
    }
    it->second.status = change.status;
    it->second.phase = change.phase;
    it->second.error = change.error;
    if (!change.commit.empty()) {
      it->second.commit = change.commit;
    }
    if (!change.build_info.empty()) {
      it->second.build_info = change.build_info;
    }
    m_phases.push_back(change.phase);
    return true;
  }

  std::mutex m_mutex;
  std::map<std::string, core::Deployment> m_deployments;
  std::vector<store::Job> m_queue;
  std::map<std::int64_t, store::Job> m_leased;
  std::vector<std::string> m_logs;
  std::vector<core::Phase> m_phases;
  std::vector<core::StatusChange> m_finished;
  std::int64_t m_next_job = 0;
  int m_released = 0;
  int m_extends = 0;
  int m_log_batches = 0;
  int m_failing_log_writes = 0;
  bool m_lose_leases = false;
};

} // namespace reactor::testing

// The builder's tests name it from inside reactor::builder, where `testing` is their own
// helpers' namespace.
namespace reactor::builder::testing {
using reactor::testing::FakeStore;
} // namespace reactor::builder::testing
