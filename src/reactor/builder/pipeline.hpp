#pragma once

#include "reactor/builder/build_log.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/core/error.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace reactor::builder {

struct PipelineConfig
{
  std::filesystem::path work_dir; // each deployment gets <work_dir>/<id>, removed at the end
  bool allow_local_repos = false;
  std::chrono::milliseconds clone_timeout{ 120'000 };
  std::chrono::milliseconds build_timeout{ 15 * 60'000 }; // install and build together
  std::size_t max_log_lines = k_max_log_lines;
  std::string bwrap = "bwrap";
};

// Builds and publishes one deployment: clone, detect, install (sandbox, network on),
// build (sandbox, network off), upload; records each phase as an IN_PROGRESS status and
// streams the log to the store. Returns the final change to record: DEPLOYED with the
// commit, ERROR with what the user should fix, CANCELED when `cancel` became true or the
// deployment became final meanwhile, or its current state when it was final already. Fails on an
// infrastructure problem (store, disk, missing tool), which must not become a status: the job is
// retried.
core::Result<core::StatusChange> run_deployment(store::MetadataStore& store,
                                                objects::ObjectStore& objects,
                                                std::string_view deployment_id,
                                                const PipelineConfig& config,
                                                const std::atomic<bool>& cancel);

} // namespace reactor::builder
