#pragma once

#include "reactor/builder/build_log.hpp"
#include "reactor/builder/limits.hpp"
#include "reactor/builder/publish.hpp"
#include "reactor/builder/sandbox/cgroup.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"
#include "reactor/util/error.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace reactor::builder {

class DependencyCache;

struct PipelineConfig
{
  std::filesystem::path work_dir; // each deployment gets <work_dir>/<id>
  bool allow_local_repos = false;
  std::chrono::milliseconds clone_timeout{ 120'000 };
  BuildLimits limits;
  std::size_t max_log_lines = k_max_log_lines;
  std::string bwrap = "bwrap";
  std::string slirp4netns = "slirp4netns";
  sandbox::Cgroups* cgroups = nullptr;         // null: no memory and process limits
  DependencyCache* dependency_cache = nullptr; // null: every build installs
  std::chrono::seconds blob_reuse_window = k_default_blob_reuse_window;
};

// Builds and publishes one deployment: clone, detect, install (sandbox, network on),
// build (sandbox, network off), upload, using the deployment's settings; records each
// phase as an IN_PROGRESS status with what was detected and measured (build_info) and
// streams the log to the store. Returns the final change to record: DEPLOYED with the
// commit, ERROR with what the user should fix (naming the limit when one was hit),
// CANCELED when `cancel` became true or the deployment became final meanwhile, or its
// current state when it was final already. Fails on an infrastructure problem (store,
// disk, missing tool), which must not become a status: the job is retried.
util::Result<core::StatusChange> run_deployment(store::MetadataStore& store,
                                                objects::ObjectStore& objects,
                                                std::string_view deployment_id,
                                                const PipelineConfig& config,
                                                const std::atomic<bool>& cancel);

// Deletes a deployment's workspace under `work_dir`. Separate from run_deployment so the
// outcome is recorded first: a real app's node_modules can take seconds to delete.
void remove_workspace(const std::filesystem::path& work_dir, std::string_view deployment_id);

} // namespace reactor::builder
