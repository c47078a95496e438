#pragma once

#include "reactor/gc/cache_trim.hpp"
#include "reactor/gc/retention.hpp"
#include "reactor/gc/sweep.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

namespace reactor::gc {

struct GcReport
{
  RetentionReport deployments;
  SweepReport objects;
  CacheTrim dependency_cache; // this process's workers' cache; empty on a dry run
};

// Runs garbage collection on demand and, once started, every `interval`: the deployments
// projects no longer keep (retention), then the object store sweep (which frees their
// files) and the trim of this process's dependency cache. One run at a time per
// process; runs in other processes at the same time are harmless.
class Collector
{
public:
  // `trim_cache` trims the local dependency cache (empty: this process has none).
  Collector(store::MetadataStore& store,
            objects::ObjectStore& objects,
            std::chrono::seconds grace,
            std::function<CacheTrim()> trim_cache);
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;
  // Calls stop().
  ~Collector();

  // One collection now (waits for a run in progress to finish first). `requested`: an
  // operator asked for it, and wants a deleted site's blobs gone now, so the grace spares
  // young objects only while a build is in flight (the periodic runs always keep it).
  util::Result<GcReport> run(bool dry_run, bool requested);

  // Runs a collection every `interval` until stop(); does nothing for a zero interval.
  void start(std::chrono::seconds interval);
  void stop();

private:
  store::MetadataStore& m_store;
  objects::ObjectStore& m_objects;
  const std::chrono::seconds m_grace;
  const std::function<CacheTrim()> m_trim_cache;
  std::mutex m_running;
  std::jthread m_timer;
};

} // namespace reactor::gc
