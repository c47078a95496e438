#include "reactor/builder/worker_pool.hpp"

#include "reactor/builder/disk_watch.hpp"
#include "reactor/builder/pipeline.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/metrics.hpp"

#include <boost/json/parse.hpp>

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
remove_stale_workspaces(store::MetadataStore& store, const std::filesystem::path& work_dir)
{
  using std::filesystem::directory_iterator;
  std::vector<std::pair<std::filesystem::path, std::string>> stale;
  // A directory that cannot be read (none yet) is left for the next start.
  std::error_code ec;
  for (directory_iterator attempt(work_dir, ec), end; !ec && attempt != end;
       attempt.increment(ec)) {
    if (!attempt->path().filename().string().starts_with("attempt-")) {
      continue;
    }
    std::error_code inner;
    for (directory_iterator workspace(attempt->path(), inner); !inner && workspace != end;
         workspace.increment(inner)) {
      auto id = workspace->path().filename().string();
      const auto found = store.find_deployment(id);
      if (!found) {
        continue; // the store did not answer: keep it
      }
      if (const auto& deployment = *found; !deployment || core::is_final(deployment->status)) {
        stale.emplace_back(attempt->path(), std::move(id));
      }
    }
  }
  for (const auto& [attempt, id] : stale) {
    remove_workspace(attempt, id);
  }
  if (!stale.empty()) {
    util::log::info("build.stale_workspaces_removed", { { "count", stale.size() } });
  }
}

enum class CancelReason : int
{
  none,
  stopping,
  lease_lost,
  deployment_final
};

} // namespace

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
  const auto& limits = m_config.limits;
  const auto common =
    "time " + format_duration(limits.timeout) + ", disk " + format_size(limits.disk_bytes) +
    ", output " + format_size(limits.output_bytes) + " in " + std::to_string(limits.output_files) +
    " files, log " + format_size(limits.log_bytes);
  if (m_cgroups) {
    return "build limits: memory " + format_size(limits.memory_bytes) + ", " +
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
  for (int i = 0; i < std::max(1, m_config.workers); ++i) {
    m_threads.emplace_back([this, first = i == 0] {
      if (first) {
        remove_stale_workspaces(m_store, m_config.work_dir); // can take a while: not at start
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

// Feeds /metrics: the build's length and each phase's, from the build info it recorded.
void
observe_build(const core::StatusChange& change, std::chrono::steady_clock::duration elapsed)
{
  auto& metrics = util::metrics();
  metrics.build_seconds.observe_seconds(std::chrono::duration<double>(elapsed).count());
  boost::system::error_code ec;
  const auto info = boost::json::parse(change.build_info, ec);
  const auto* durations =
    ec || !info.is_object() ? nullptr : info.get_object().if_contains("durationsMs");
  if (durations == nullptr || !durations->is_object()) {
    return;
  }
  constexpr std::array<std::string_view, 4> k_phases{ "clone", "install", "build", "upload" };
  for (std::size_t i = 0; i < k_phases.size(); ++i) {
    if (const auto* ms = durations->get_object().if_contains(k_phases[i]);
        ms != nullptr && ms->is_int64()) {
      metrics.phase_seconds[i].observe_seconds(static_cast<double>(ms->get_int64()) / 1000.0);
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

// Each attempt at a job builds in a folder of its own, <work>/attempt-<n>/<id>: an attempt
// that lost its lease deletes its workspace without touching the one a new attempt uses.
std::filesystem::path
attempt_dir(const std::filesystem::path& work_dir, int attempt)
{
  return work_dir / ("attempt-" + std::to_string(attempt));
}

// Deletes a build's workspace when it goes out of scope: after the outcome is recorded,
// since a real app's node_modules can take seconds to delete.
struct WorkspaceCleanup
{
  const std::filesystem::path& work_dir;
  const std::string& deployment_id;

  ~WorkspaceCleanup() { remove_workspace(work_dir, deployment_id); }
};

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
    util::metrics().leases_expired.fetch_add(1, std::memory_order_relaxed);
    util::log::warn("job.lease_expired",
                    { { "id", job.deployment_id }, { "attempt", job.receives } });
  }
  util::log::info("build.started", { { "id", job.deployment_id }, { "attempt", job.receives } });
  const auto started = std::chrono::steady_clock::now();
  std::thread beat([&] { heartbeat(job, running); });
  PipelineConfig config;
  config.work_dir = attempt_dir(m_config.work_dir, job.receives);
  for (int earlier = 1; earlier < job.receives; ++earlier) {
    remove_workspace(attempt_dir(m_config.work_dir, earlier), job.deployment_id); // crashed
  }
  config.allow_local_repos = m_config.allow_local_repos;
  config.clone_timeout = m_config.clone_timeout;
  config.limits = m_config.limits;
  config.bwrap = m_config.bwrap;
  config.slirp4netns = m_config.slirp4netns;
  config.cgroups = m_cgroups.get();
  config.dependency_cache = m_dependency_cache.get();
  config.blob_reuse_window = m_config.blob_reuse_window;
  auto change = run_deployment(m_store, m_objects, job.deployment_id, config, running.cancel);
  {
    std::lock_guard lock(running.mutex);
    running.done = true;
  }
  running.finished.notify_all();
  beat.join();
  {
    std::lock_guard lock(m_mutex);
    std::erase(m_running, &running);
  }

  const auto reason = running.reason.load();
  const WorkspaceCleanup cleanup{ config.work_dir, job.deployment_id };
  if (!change) {
    const auto failure = classify_internal_error(change.error(), m_config.work_dir);
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
    // Retrying cannot help, or this was the last attempt: the cause is the final ERROR.
    change = core::StatusChange{ job.deployment_id,
                                 core::Status::error,
                                 core::Phase::none,
                                 final_internal_error(failure, job.receives),
                                 std::string() };
  }
  if (reason == CancelReason::lease_lost) {
    util::log::warn("build.lease_lost", { { "id", job.deployment_id } });
    return;
  }
  if (change->status == core::Status::canceled) {
    if (reason == CancelReason::stopping) {
      hand_back(m_store, job);
      return;
    }
    auto found = m_store.find_deployment(job.deployment_id);
    if (found && *found && core::is_final((*found)->status)) {
      const auto& current = **found;
      change = core::StatusChange{
        current.id, current.status, core::Phase::none, current.error, current.commit
      };
    }
  }
  auto finished = m_store.finish_job(job, *change);
  if (!finished) {
    util::log::error("store.failed",
                     { { "action", "finish a build" },
                       { "id", job.deployment_id },
                       { "error", finished.error().message } });
  } else if (!*finished) {
    util::log::warn("build.lease_lost", { { "id", job.deployment_id } });
  } else {
    const auto elapsed = std::chrono::steady_clock::now() - started;
    observe_build(*change, elapsed);
    log_finished(*change, elapsed);
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
