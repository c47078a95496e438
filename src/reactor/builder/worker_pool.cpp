#include "reactor/builder/worker_pool.hpp"

#include "reactor/builder/disk_watch.hpp"
#include "reactor/builder/metrics.hpp"
#include "reactor/builder/overlay.hpp"
#include "reactor/builder/pipeline.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/units.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace reactor::builder {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto k_idle_wait = std::chrono::milliseconds(500);
constexpr auto k_error_wait = std::chrono::milliseconds(2000);
constexpr auto k_status_check = std::chrono::milliseconds(1000);

// Workspaces that a killed process left behind: it died between recording a build's
// outcome and deleting them, or on the build's last attempt (the job then went to the
// dead-letter queue, and no attempt comes to delete them). Those of deployments that have
// ended, or are gone, are deleted; a build still in flight deletes its earlier attempts'.
void
remove_stale_workspaces(store::MetadataStore& store,
                        const std::filesystem::path& work_dir,
                        Trash& trash)
{
  std::size_t removed = 0;
  for (const auto& workspace : find_workspaces(work_dir)) {
    const auto found = store.find_deployment(workspace.deployment_id());
    if (!found) {
      continue; // the store did not answer: keep it
    }
    if (const auto& deployment = *found; !deployment || core::is_final(deployment->status)) {
      workspace.remove(trash);
      ++removed;
    }
  }
  if (removed != 0) {
    util::log::info("build.stale_workspaces_removed", { { "count", removed } });
  }
}

} // namespace

enum class WorkerPool::CancelReason : int
{
  none,
  stopping,
  lease_lost,
  deployment_final
};

struct WorkerPool::Running
{
  std::atomic<bool> cancel{ false };
  std::atomic<CancelReason> reason{ CancelReason::none };
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;

  void cancel_for(CancelReason why)
  {
    auto expected = CancelReason::none;
    reason.compare_exchange_strong(expected, why);
    cancel.store(true);
  }
};

gc::CacheTrim
WorkerPool::trim_caches()
{
  gc::CacheTrim trimmed;
  for (const auto& trim : { m_dependency_cache ? m_dependency_cache->trim() : gc::CacheTrim{},
                            m_build_cache ? m_build_cache->trim() : gc::CacheTrim{} }) {
    trimmed.entries += trim.entries;
    trimmed.bytes += trim.bytes;
  }
  return trimmed;
}

WorkerPool::WorkerPool(store::MetadataStore& store,
                       objects::ObjectStore& objects,
                       WorkerConfig config)
  : m_store(store)
  , m_objects(objects)
  , m_config(std::move(config))
{
  if (!m_config.dependency_cache_dir.empty() && m_config.dependency_cache_bytes != 0) {
    m_dependency_cache = std::make_unique<DependencyCache>(m_config.dependency_cache_dir,
                                                           m_config.dependency_cache_bytes,
                                                           m_config.dependency_cache_max_age);
  }
  if (!m_config.build_cache_dir.empty() && m_config.build_cache_bytes != 0) {
    m_build_cache = std::make_unique<BuildCache>(
      m_config.build_cache_dir, m_config.build_cache_bytes, m_config.dependency_cache_max_age);
  }
  if (!m_config.toolchain_dir.empty()) {
    m_toolchains = std::make_unique<ToolchainCache>(m_config.toolchain_dir);
  }
  if (!m_config.use_cgroups) {
    m_cgroups_problem = "turned off";
    return;
  }
  auto cgroups = sandbox::open_cgroups();
  if (cgroups) {
    m_cgroups = std::move(*cgroups);
  } else {
    m_cgroups_problem = cgroups.error().message;
  }
}

std::string
WorkerPool::limits_status() const
{
  const auto& limits = m_config.pipeline.limits;
  const auto common = "time " + util::format_duration(limits.timeout) + ", disk " +
                      util::format_size(limits.disk_bytes) + ", output " +
                      util::format_size(limits.output_bytes) + " in " +
                      std::to_string(limits.output_files) + " files, log " +
                      util::format_size(limits.log_bytes);
  if (m_cgroups) {
    return "build limits: memory " + util::format_size(limits.memory_bytes) + ", " +
           std::to_string(limits.max_processes) + " processes, " + common + "; " +
           m_cgroups->description();
  }
  return "warning: builds run WITHOUT memory and process limits (cgroups: " + m_cgroups_problem +
         "); still limited: " + common;
}

WorkerPool::~WorkerPool()
{
  stop();
}

void
WorkerPool::start()
{
  std::lock_guard lock(m_mutex);
  if (m_started || m_stopping) {
    return;
  }
  m_started = true;
  const int workers = std::max(1, m_config.workers);
  if (const auto detached = unmount_below(m_config.work_dir); detached != 0) {
    util::log::warn("build.stale_overlays_detached", { { "count", detached } });
  }
  m_trash = std::make_unique<Trash>(m_config.work_dir / "trash", static_cast<std::size_t>(workers));
  for (int i = 0; i < workers; ++i) {
    m_threads.emplace_back([this, first = i == 0] {
      if (first) {
        remove_stale_workspaces(
          m_store, m_config.work_dir, *m_trash); // asks the store: not at start
      }
      work();
    });
  }
}

void
WorkerPool::stop()
{
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    for (auto* running : m_running) {
      running->cancel_for(CancelReason::stopping);
    }
    threads.swap(m_threads);
  }
  m_idle.notify_all();
  for (auto& thread : threads) {
    thread.join();
  }
}

void
WorkerPool::wake()
{
  {
    std::lock_guard lock(m_mutex);
    ++m_wakeups;
  }
  m_idle.notify_all();
}

void
WorkerPool::work()
{
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(m_mutex);
      if (m_stopping) {
        return;
      }
      seen = m_wakeups;
    }
    auto leased = m_store.lease_job(m_config.lease);
    if (leased) {
      if (const auto& job = *leased) {
        run_job(*job);
        continue;
      }
    }
    std::unique_lock lock(m_mutex);
    m_idle.wait_for(
      lock, leased ? k_idle_wait : k_error_wait, [&] { return m_stopping || m_wakeups != seen; });
  }
}

namespace {

// Feeds /metrics: the build's length, and each phase's from the build info it recorded.
void
observe_build(const BuildInfo* info, std::chrono::steady_clock::duration elapsed)
{
  auto& recorded = metrics();
  recorded.build_seconds.observe_seconds(std::chrono::duration<double>(elapsed).count());
  if (info == nullptr) {
    return;
  }
  const auto& phases = Metrics::k_phases;
  for (const auto& [phase, ms] : info->durations_ms) {
    if (const auto* known = std::ranges::find(phases, phase); known != phases.end()) {
      recorded.phase_seconds[static_cast<std::size_t>(known - phases.begin())].observe_seconds(
        static_cast<double>(ms) / 1000.0);
    }
  }
}

// An internal error as the worker acts on it: one on a full disk is named as such and
// not retried, whatever step ran into it.
util::Error
classify_internal_error(util::Error error, const std::filesystem::path& work_dir)
{
  if (auto full = full_disk(work_dir, error.message)) {
    return util::Error{ std::move(*full), false };
  }
  return error;
}

// The final ERROR of a build that failed for a reason of Reactor's, not of the app's.
std::string
final_internal_error(const util::Error& failure, int attempts)
{
  std::string message = "Reactor could not build this deployment: " + failure.message;
  if (failure.retryable) {
    message += " (after " + std::to_string(attempts) + " attempts)";
  }
  return message + ". This is not a problem with the app: once an operator has fixed it, "
                   "deploy again.";
}

// Gives a job back to the queue at once: this process is stopping.
void
hand_back(store::MetadataStore& store, const store::Job& job)
{
  if (auto released = store.release_job(job); !released) {
    util::log::error("store.failed",
                     { { "action", "hand a build back" },
                       { "id", job.deployment_id },
                       { "error", released.error().message } });
    return;
  }
  util::log::info("build.handed_back", { { "id", job.deployment_id } });
}

void
log_finished(const core::StatusChange& change, std::chrono::steady_clock::duration elapsed)
{
  const auto duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  const auto status = core::to_string(change.status);
  if (change.status == core::Status::error) {
    util::log::info("build.finished",
                    { { "id", change.deployment_id },
                      { "status", status },
                      { "duration_ms", duration_ms },
                      { "error", change.error } });
  } else {
    util::log::info(
      "build.finished",
      { { "id", change.deployment_id }, { "status", status }, { "duration_ms", duration_ms } });
  }
}

// The change that ends a job, and the build info it records (null: none).
struct Ending
{
  core::StatusChange change;
  const BuildInfo* info = nullptr;
};

// The one place a job's final change is assembled: the build's outcome with what it found;
// the deployment's own state when a canceled build finds it final (its user canceled it);
// or, for an infrastructure failure no retry is left for, an ERROR that says so.
Ending
final_change(store::MetadataStore& store,
             const store::Job& job,
             const util::Result<BuildResult>& built)
{
  if (!built) {
    return { { job.deployment_id,
               core::Status::error,
               core::Phase::none,
               final_internal_error(built.error(), job.receives),
               std::string() } };
  }
  const auto& result = *built;
  if (result.status == core::Status::canceled) {
    if (const auto found = store.find_deployment(job.deployment_id); found) {
      if (const auto& current = *found; current && core::is_final(current->status)) {
        return {
          { current->id, current->status, core::Phase::none, current->error, current->commit }
        };
      }
    }
  }
  Ending ending{
    { job.deployment_id, result.status, core::Phase::none, result.error, result.commit }
  };
  if (const auto& info = result.info; info) {
    ending.change.build_info = to_json(*info);
    ending.info = &*info;
  }
  return ending;
}

} // namespace

void
WorkerPool::run_job(const store::Job& job)
{
  Running running;
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
      hand_back(m_store, job);
      return;
    }
    m_running.push_back(&running);
  }

  if (job.receives > 1) {
    metrics().leases_expired.add();
    util::log::warn("job.lease_expired",
                    { { "id", job.deployment_id }, { "attempt", job.receives } });
  }
  util::log::info("build.started", { { "id", job.deployment_id }, { "attempt", job.receives } });
  const auto started = std::chrono::steady_clock::now();
  const auto workspace = Workspace::open(m_config.work_dir, job.deployment_id, job.receives);
  auto built = workspace ? build(job, *workspace, running)
                         : util::Result<BuildResult>(std::unexpected(workspace.error()));
  {
    std::lock_guard lock(m_mutex);
    std::erase(m_running, &running);
  }
  if (!built) {
    built = std::unexpected(classify_internal_error(std::move(built.error()), m_config.work_dir));
  }
  finish(job, built, running.reason.load(), started);
  if (workspace) {
    workspace->remove(*m_trash); // only now, and a rename: the next job is not kept waiting
  }
}

// Runs the build with a heartbeat beside it, which keeps the lease and cancels the build
// when the lease is lost or the deployment became final.
util::Result<BuildResult>
WorkerPool::build(const store::Job& job, const Workspace& workspace, Running& running)
{
  std::thread beat([&] { heartbeat(job, running); });
  workspace.remove(*m_trash);                  // what an earlier run of this attempt left
  workspace.remove_earlier_attempts(*m_trash); // their process crashed
  auto built = run_deployment(m_store,
                              m_objects,
                              m_config.pipeline,
                              { workspace,
                                running.cancel,
                                m_cgroups.get(),
                                m_dependency_cache.get(),
                                m_toolchains.get(),
                                m_build_cache.get(),
                                &m_brotli });
  {
    std::lock_guard lock(running.mutex);
    running.done = true;
  }
  running.finished.notify_all();
  beat.join();
  return built;
}

// Records how a job ended, or leaves it to the queue: after an infrastructure failure worth
// another attempt (the lease expires), once the lease is lost, or handed back when stopping.
void
WorkerPool::finish(const store::Job& job,
                   const util::Result<BuildResult>& built,
                   CancelReason reason,
                   std::chrono::steady_clock::time_point started)
{
  if (!built) {
    const auto& failure = built.error();
    const bool last_attempt = !failure.retryable || job.receives >= store::k_max_receives;
    util::log::error(
      "build.internal_error",
      { { "id", job.deployment_id }, { "error", failure.message }, { "retried", !last_attempt } });
    const std::array<std::string, 1> line{
      "[reactor] Internal error" +
      std::string(last_attempt ? ": " : ", the build will be retried: ") + failure.message
    };
    if (auto appended = m_store.append_logs(job.deployment_id, line); !appended) {
      util::log::error("store.failed",
                       { { "action", "append to a build log" },
                         { "id", job.deployment_id },
                         { "error", appended.error().message } });
    }
    if (!last_attempt) {
      return; // the lease expires and the queue hands the job out again
    }
  }
  if (reason == CancelReason::lease_lost) {
    util::log::warn("build.lease_lost", { { "id", job.deployment_id } });
    return;
  }
  if (built && built->status == core::Status::canceled && reason == CancelReason::stopping) {
    hand_back(m_store, job);
    return;
  }
  const auto ending = final_change(m_store, job, built);
  auto finished = m_store.finish_job(job, ending.change);
  if (!finished) {
    util::log::error("store.failed",
                     { { "action", "finish a build" },
                       { "id", job.deployment_id },
                       { "error", finished.error().message } });
  } else if (!*finished) {
    util::log::warn("build.lease_lost", { { "id", job.deployment_id } });
  } else {
    const auto elapsed = std::chrono::steady_clock::now() - started;
    observe_build(ending.info, elapsed);
    log_finished(ending.change, elapsed);
  }
}

void
WorkerPool::heartbeat(const store::Job& job, Running& running)
{
  const auto extend_every =
    std::max<std::chrono::milliseconds>(m_config.lease / 3, std::chrono::milliseconds(10));
  const auto tick = std::min<std::chrono::milliseconds>(extend_every, k_status_check);
  auto last_extended = Clock::now();
  auto next_extend = last_extended + extend_every;
  std::unique_lock lock(running.mutex);
  while (!running.finished.wait_for(lock, tick, [&] { return running.done; })) {
    lock.unlock();
    const auto now = Clock::now();
    if (now >= next_extend) {
      auto extended = m_store.extend_lease(job, m_config.lease);
      if (extended && *extended) {
        last_extended = now;
      } else if (extended || now - last_extended >= m_config.lease) {
        // Another worker holds the job now, or the store has not answered for a lease.
        running.cancel_for(CancelReason::lease_lost);
      }
      next_extend = now + extend_every;
    }
    if (auto found = m_store.find_deployment(job.deployment_id); found) {
      if (const auto& deployment = *found; deployment && core::is_final(deployment->status)) {
        running.cancel_for(CancelReason::deployment_final);
      }
    }
    lock.lock();
  }
}

} // namespace reactor::builder
