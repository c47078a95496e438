#include "reactor/gc/retention.hpp"

#include "reactor/util/log.hpp"

#include <set>

namespace reactor::gc {

namespace {

constexpr std::int64_t k_day_ms = 24LL * 60 * 60 * 1000;

// The deployments a live project keeps whatever their age.
std::set<std::string>
kept_by_project(const core::Project& project, const RetentionView& view, std::int64_t now_ms)
{
  std::set<std::string> kept;
  if (const auto found = view.aliases.find(project.name); found != view.aliases.end()) {
    for (const auto& alias : found->second) {
      kept.insert(alias.deployment_id);
    }
  }
  std::size_t production = 0;
  for (const auto& deployment : view.deployments) { // newest first
    if (production < k_kept_production && deployment.project == project.name &&
        deployment.status == core::Status::deployed &&
        core::is_production_branch(project, deployment.branch)) {
      kept.insert(deployment.id);
      ++production;
    }
  }
  if (project.skew_window_days > 0 && project.skew_max_deployments > 0) {
    const std::int64_t since = now_ms - (project.skew_window_days * k_day_ms);
    if (const auto found = view.history.find(project.name); found != view.history.end()) {
      for (const auto& held : found->second) {
        if (held.until_ms >= since) {
          kept.insert(held.deployment_id);
        }
      }
    }
  }
  return kept;
}

} // namespace

std::vector<std::string>
removable_deployments(const RetentionView& view,
                      std::int64_t now_ms,
                      std::chrono::milliseconds grace)
{
  std::map<std::string, std::set<std::string>> kept; // live project → deployments it keeps
  for (const auto& project : view.projects) {
    kept.emplace(project.name, kept_by_project(project, view, now_ms));
  }
  std::vector<std::string> removable;
  for (const auto& deployment : view.deployments) {
    if (!core::is_final(deployment.status) || deployment.updated_at_ms > now_ms - grace.count()) {
      continue;
    }
    const auto live = kept.find(deployment.project);
    if (live == kept.end() || !live->second.contains(deployment.id)) {
      removable.push_back(deployment.id);
    }
  }
  return removable;
}

util::Result<RetentionView>
read_retention_view(store::MetadataStore& store)
{
  RetentionView view;
  auto projects = store.list_projects();
  if (!projects) {
    return std::unexpected(projects.error());
  }
  view.projects = std::move(*projects);
  for (const auto& project : view.projects) {
    auto aliases = store.project_aliases(project.name);
    auto history = store.alias_history(project.name);
    if (!aliases || !history) {
      return std::unexpected(aliases ? history.error() : aliases.error());
    }
    view.aliases.emplace(project.name, std::move(*aliases));
    view.history.emplace(project.name, std::move(*history));
  }
  // Read last: a deployment created meanwhile is not final, so never taken.
  auto deployments = store.project_owned_deployments();
  if (!deployments) {
    return std::unexpected(deployments.error());
  }
  view.deployments = std::move(*deployments);
  return view;
}

util::Result<RetentionReport>
retire_deployments(store::MetadataStore& store, std::chrono::milliseconds grace, bool dry_run)
{
  auto view = read_retention_view(store);
  if (!view) {
    return std::unexpected(view.error());
  }
  const auto removable = removable_deployments(*view, store::wall_clock_ms(), grace);
  RetentionReport report;
  if (dry_run) {
    report.deployments_deleted = removable.size();
    return report;
  }
  for (const auto& id : removable) {
    auto outcome = store.delete_deployment(id);
    if (!outcome) {
      return std::unexpected(outcome.error());
    }
    if (*outcome == store::DeleteOutcome::deleted) {
      ++report.deployments_deleted;
      util::log::info("gc.deployment_deleted", { { "id", id } });
    }
  }
  return report;
}

} // namespace reactor::gc
