#pragma once

#include "reactor/builder/build_info.hpp"
#include "reactor/builder/build_log.hpp"
#include "reactor/builder/limits.hpp"
#include "reactor/builder/publish.hpp"
#include "reactor/builder/sandbox/cgroup.hpp"
#include "reactor/builder/workspace.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"
#include "reactor/util/error.hpp"
#include "reactor/util/secret_box.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace reactor::builder {

class BrotliFinisher;
class BuildCache;
class DependencyCache;
class ToolchainCache;

// How every build runs, as the operator set it.
struct PipelineConfig
{
  bool allow_local_repos = false;
  std::chrono::milliseconds clone_timeout{ 120'000 };
  BuildLimits limits;
  std::size_t max_log_lines = k_max_log_lines;
  std::string bwrap = "bwrap";
  std::string slirp4netns = "slirp4netns";
  // The build phase gets the install phase's confined network; false: no network at all.
  bool build_network = true;
  // Blobs in the store written longer ago are uploaded again (see publish_output).
  std::chrono::seconds blob_reuse_window = k_default_blob_reuse_window;
  // Opens the values of project variables; null: a build of a project with variables fails.
  const util::SecretKey* secrets_key = nullptr;
  // The URL of a hostname label (a deployment id, a branch alias), for REACTOR_URL and
  // REACTOR_BRANCH_URL; empty: those are not set.
  std::function<std::string(std::string_view label)> site_url;
};

// One build as the worker hands it over: its workspace (which names the deployment), what
// the worker lends every build, and the flag that stops it.
struct BuildJob
{
  const Workspace& workspace;
  const std::atomic<bool>& cancel;
  sandbox::Cgroups* cgroups = nullptr;         // null: no memory and process limits
  DependencyCache* dependency_cache = nullptr; // null: every build installs
  ToolchainCache* toolchains = nullptr;        // null: every build runs the host's Node.js
  BuildCache* build_cache = nullptr;           // null: every build starts without one
  // Null: brotli variants are all made before the deployment goes live.
  BrotliFinisher* brotli = nullptr;
};

// How a build ended.
struct BuildResult
{
  // DEPLOYED, ERROR or CANCELED; the status it had when the deployment was final already.
  core::Status status = core::Status::deployed;
  std::string error;  // on ERROR: what the user should fix
  std::string commit; // empty until cloned
  // What the build found and measured; nullopt when the deployment was final already.
  std::optional<BuildInfo> info;
};

// Builds and publishes the deployment of `job.workspace`: clone, detect (the Node.js too,
// installed into the toolchain cache on first use), install (sandbox, confined network),
// build (sandbox, the same network unless config.build_network is off), upload, using the
// deployment's settings and its environment (build_environment: the variables it was
// created with, whose values the log masks, and REACTOR_*);
// records each phase as an IN_PROGRESS status with what was detected and measured (build
// info) and streams the log to the store. Returns DEPLOYED with the commit, ERROR with what
// the user should fix (naming the limit when one was hit), CANCELED when `job.cancel` became
// true or the deployment became final meanwhile, or its current state when it was final
// already. Fails on an infrastructure problem (store, disk, missing tool, an unreadable
// output), which must not become a status: the job is retried while the error is
// retryable. Expects a workspace that does not exist yet, and leaves it for the worker to
// remove.
util::Result<BuildResult> run_deployment(store::MetadataStore& store,
                                         objects::ObjectStore& objects,
                                         const PipelineConfig& config,
                                         const BuildJob& job);

} // namespace reactor::builder
