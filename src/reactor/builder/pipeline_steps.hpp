#pragma once

// The build pipeline's class, shared by the files that define its phases: pipeline.cpp
// (the order of the phases, clone and plan), pipeline_commands.cpp (the sandboxed install
// and build) and pipeline_publish.cpp (finding the output and publishing it).

#include "reactor/builder/build_cache.hpp"
#include "reactor/builder/build_info.hpp"
#include "reactor/builder/build_log.hpp"
#include "reactor/builder/dependency_cache.hpp"
#include "reactor/builder/detect.hpp"
#include "reactor/builder/host_config.hpp"
#include "reactor/builder/pipeline.hpp"
#include "reactor/builder/sandbox/sandbox_runner.hpp"
#include "reactor/builder/toolchain.hpp"
#include "reactor/builder/toolchain_cache.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace reactor::builder::pipeline_steps {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using core::Phase;
using core::Status;
using sandbox::NetworkAccess;

std::string seconds_text(Clock::duration elapsed);
std::int64_t milliseconds(Clock::duration elapsed);

// One sandboxed step of the install or build.
struct Step
{
  NetworkAccess network = NetworkAccess::confined;
  std::vector<std::string> command;
  std::string directory; // relative to the checkout
  std::vector<std::string> env;
  std::string stage; // "Installing dependencies", "The build"
  // Host folders bound into the checkout for this step alone (the build cache's).
  std::vector<sandbox::Bind> binds;
};

class Pipeline
{
public:
  Pipeline(store::MetadataStore& store,
           objects::ObjectStore& objects,
           const PipelineConfig& config,
           const BuildJob& job,
           core::Deployment deployment)
    : m_store(store)
    , m_objects(objects)
    , m_config(config)
    , m_job(job)
    , m_deployment(std::move(deployment))
    , m_log(store,
            m_deployment.id,
            { .max_lines = config.max_log_lines, .max_bytes = config.limits.log_bytes })
  {
  }

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  util::Result<BuildResult> run()
  {
    // How long it waited for a worker: what the timeline's "Queued" shows after a reload.
    m_info.set_duration(
      "queue", std::max<std::int64_t>(0, store::wall_clock_ms() - m_deployment.created_at_ms));
    auto ended = steps();
    if (!ended) {
      return std::unexpected(std::move(ended.error()));
    }
    auto& outcome = *ended;
    if (!outcome) {
      return util::fail("the pipeline ended without an outcome");
    }
    outcome->commit = m_commit;
    outcome->info = std::move(m_info);
    return std::move(*outcome);
  }

private:
  // The result is always set on success: every step but the last returns nullopt to go on.
  using Outcome = util::Result<std::optional<BuildResult>>;

  Outcome steps();

  // Runs one phase and records how long it took, whatever its outcome.
  template<typename Run>
  Outcome timed(const std::string& phase, Run run)
  {
    const auto started = Clock::now();
    auto outcome = run();
    m_info.set_duration(phase, milliseconds(Clock::now() - started));
    return outcome;
  }

  fs::path source() const { return m_job.workspace.path() / "src"; }
  // Where the dependency overlays shown in the checkout keep what the build writes.
  fs::path overlay_scratch() const { return m_job.workspace.path() / "deps-overlay"; }

  // Reactor's own lines: kept even when the output went over the log limit.
  void say(std::string_view line) { m_log.note("[reactor] " + std::string(line)); }

  void output(std::string_view line) { m_log.add(line); }

  BuildResult canceled();

  BuildResult final_error(std::string message);

  // A step's failure: the user's ends the build with its message as the ERROR; any other is
  // an infrastructure failure, which the worker retries.
  Outcome failed(util::Error error);

  BuildResult over_limit(std::string_view stage, Limit limit);

  // Records the phase; CANCELED when canceled or the deployment is final already.
  Outcome enter(Phase phase);

  Outcome clone();

  // When another deployment of the project built `commit` from the same inputs, this one
  // serves its output (the manifest copied under this id) and is DEPLOYED at once; when
  // an older one is building it, waits for that one first. nullopt: build it here.
  Outcome reuse_output(std::string_view commit);

  Outcome plan();

  // The settings with those of the app's vercel.json or netlify.toml filled in (a folder
  // that is not a real one is left for detection to report).
  util::Result<void> read_app_host_config();

  // The deployment's variables (the snapshot it was created with) and REACTOR_*, added to
  // the settings' env (over it); their values masked in the log from now on.
  util::Result<void> add_environment();

  static std::string display(const std::string& dir) { return dir.empty() ? "/" : dir; }

  // A yarn or pnpm from the shared corepack home (installed there first if needed), so
  // that no build downloads it; without a toolchain cache the install phase sets it up.
  util::Result<void> pin_from_cache(BuildPlan& plan);

  // The Node.js the project asks for (the nodeVersion setting, else its files), from the
  // toolchain cache; the host's when it asks for none, or for one the host's satisfies.
  util::Result<NodeToolchain> choose_node();

  Outcome install();

  // The dependency cache entry for this install, or nullopt (said in the log) when the
  // install cannot be cached.
  std::optional<std::string> cache_key();

  // After a cache hit: the project's own install-time scripts, which the skipped install
  // would have run (they may write files outside node_modules).
  Outcome run_install_scripts();

  static bool is_version(std::string_view text);

  Outcome build();
  // Takes the repository's build cache for the build, when it can.
  void take_build_cache();

  static std::string node_options(const std::vector<std::string>& env);

  static bool has_legacy_openssl(const std::vector<std::string>& env);

  Outcome run_step(const Step& step);

  // The output folder the build wrote, checked to be a real folder inside the checkout.
  util::Result<std::optional<fs::path>> find_output();

  Outcome upload();

  store::MetadataStore& m_store;
  objects::ObjectStore& m_objects;
  const PipelineConfig& m_config;
  const BuildJob& m_job;
  const core::Deployment m_deployment;
  core::BuildSettings m_settings; // the deployment's, with its host configuration's filled in
  AppHostConfig m_host_config;
  std::string m_commit;
  BuildPlan m_plan;
  NodeToolchain m_node;
  std::filesystem::path m_corepack_home; // empty: the workspace's own
  fs::file_time_type m_build_started;
  BuildInfo m_info;
  Clock::time_point m_deadline;
  bool m_openssl_error = false;
  bool m_exited_with_error = false;
  std::string m_last_line;
  BuildLog m_log;
  // The cached dependencies the build sees, unmounted when the pipeline ends, however.
  std::optional<DependencyCache::Restored> m_restored;
  // The build cache the build step binds, held until the pipeline ends.
  std::optional<BuildCache::Held> m_build_cache;
};

} // namespace reactor::builder::pipeline_steps
