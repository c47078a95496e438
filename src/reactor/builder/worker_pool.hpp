#pragma once

#include "reactor/builder/brotli_finisher.hpp"
#include "reactor/builder/build_cache.hpp"
#include "reactor/builder/dependency_cache.hpp"
#include "reactor/builder/pipeline.hpp"
#include "reactor/builder/sandbox/cgroup.hpp"
#include "reactor/builder/toolchain_cache.hpp"
#include "reactor/builder/trash.hpp"
#include "reactor/builder/workspace.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace reactor::builder {

struct WorkerConfig
{
  std::filesystem::path work_dir; // each attempt at a build has a Workspace below it
  int workers = 1;
  std::chrono::milliseconds lease{ 30'000 };
  bool use_cgroups = true; // false: no memory and process limits, even where cgroups work
  std::filesystem::path dependency_cache_dir; // empty: no dependency cache
  std::uint64_t dependency_cache_bytes = 10ULL << 30;
  std::chrono::seconds dependency_cache_max_age =
    std::chrono::days(14);               // unused this long: removed
  std::filesystem::path build_cache_dir; // empty: no build cache
  std::uint64_t build_cache_bytes = 2ULL << 30;
  std::filesystem::path toolchain_dir; // empty: every build runs the host's Node.js
  PipelineConfig pipeline;             // how each build runs
};

// Threads that lease build jobs and run them to a final status. A job whose run hits an
// infrastructure failure stays leased, so the queue hands it out again when the lease
// expires; a build canceled by its user or whose lease was lost is killed.
class WorkerPool
{
public:
  WorkerPool(store::MetadataStore& store, objects::ObjectStore& objects, WorkerConfig config);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  // Calls stop().
  ~WorkerPool();

  // Starts config.workers threads; does nothing when already started.
  void start();

  // Stops leasing, kills running builds, hands their jobs back to the queue at once
  // (release_job) and joins the threads. Safe to call more than once.
  void stop();

  // Makes idle workers look for a job now (call after enqueuing one).
  void wake();

  // Trims the dependency and build caches to their size and age bounds.
  gc::CacheTrim trim_caches();

  // How builds are limited, for the startup log: the cgroup hierarchy in use, or a warning
  // that says why memory and process limits do not apply.
  std::string limits_status() const;
  // False when memory and process limits do not apply (no usable cgroups).
  bool enforces_all_limits() const { return m_cgroups != nullptr; }

private:
  struct Running;
  enum class CancelReason : int;

  void work();
  void run_job(const store::Job& job);
  util::Result<BuildResult> build(const store::Job& job,
                                  const Workspace& workspace,
                                  Running& running);
  void finish(const store::Job& job,
              const util::Result<BuildResult>& built,
              CancelReason reason,
              std::chrono::steady_clock::time_point started);
  void heartbeat(const store::Job& job, Running& running);

  store::MetadataStore& m_store;
  objects::ObjectStore& m_objects;
  const WorkerConfig m_config;
  std::unique_ptr<sandbox::Cgroups> m_cgroups;
  std::string m_cgroups_problem;
  std::unique_ptr<DependencyCache> m_dependency_cache;
  std::unique_ptr<BuildCache> m_build_cache;
  std::unique_ptr<ToolchainCache> m_toolchains;
  std::unique_ptr<Trash> m_trash; // from start(): workspaces being deleted, one per worker
  // The brotli variants of large files, made after their deployments went live.
  BrotliFinisher m_brotli{ m_objects };

  std::mutex m_mutex;
  std::condition_variable m_idle;
  bool m_started = false;
  bool m_stopping = false;
  std::uint64_t m_wakeups = 0;
  std::vector<Running*> m_running;
  std::vector<std::thread> m_threads;
};

} // namespace reactor::builder
