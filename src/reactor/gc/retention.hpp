#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/core/project.hpp"
#include "reactor/store/metadata_store.hpp"
#include "reactor/util/error.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace reactor::gc {

// Production deployments of a live project kept besides its alias targets and skew window.
constexpr std::size_t k_kept_production = 10;

// What retention decides from: every deployment that belongs to a project (newest
// first), the live projects, and for each live project its aliases and alias history.
struct RetentionView
{
  std::vector<core::Deployment> deployments;
  std::vector<core::Project> projects;
  std::map<std::string, std::vector<store::Alias>> aliases;     // by project
  std::map<std::string, std::vector<store::AliasHeld>> history; // by project
};

// The project deployments garbage collection removes: final and last changed more than
// `grace` before `now_ms`, and either of a deleted project, or of a live project and none
// of its alias targets, its k_kept_production newest DEPLOYED production deployments, or
// the deployments its aliases held within its skew window. Deployments of no project are
// never removed here.
std::vector<std::string> removable_deployments(const RetentionView& view,
                                               std::int64_t now_ms,
                                               std::chrono::milliseconds grace);

// Reads the view from the store.
util::Result<RetentionView> read_retention_view(store::MetadataStore& store);

struct RetentionReport
{
  std::size_t deployments_deleted = 0; // or, on a dry run, that would be
};

// Deletes the removable deployments (nothing on a dry run); a deployment that became
// busy or an alias target meanwhile stays, as the store refuses it.
util::Result<RetentionReport> retire_deployments(store::MetadataStore& store,
                                                 std::chrono::milliseconds grace,
                                                 bool dry_run);

} // namespace reactor::gc
