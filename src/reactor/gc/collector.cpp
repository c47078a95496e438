#include "reactor/gc/collector.hpp"

#include <condition_variable>
#include <iostream>
#include <tuple>

namespace reactor::gc {

Collector::Collector(store::MetadataStore& store,
                     objects::ObjectStore& objects,
                     std::chrono::seconds grace,
                     std::function<builder::CacheTrim()> trim_cache)
  : m_store(store)
  , m_objects(objects)
  , m_grace(grace)
  , m_trim_cache(std::move(trim_cache))
{
}

Collector::~Collector()
{
  stop();
}

core::Result<GcReport>
Collector::run(bool dry_run)
{
  const std::lock_guard lock(m_running);
  GcReport report;
  auto swept = sweep_objects(m_store, m_objects, { .grace = m_grace, .dry_run = dry_run });
  if (!swept) {
    std::cerr << "reactor: gc failed: " << swept.error().message << "\n";
    return std::unexpected(swept.error());
  }
  report.objects = *swept;
  if (!dry_run && m_trim_cache) {
    report.dependency_cache = m_trim_cache();
  }
  std::cerr << "reactor: gc" << (dry_run ? " (dry run)" : "") << ": "
            << report.objects.blobs_deleted << " blobs (" << report.objects.bytes_freed
            << " bytes) and " << report.objects.manifests_deleted << " manifests deleted, "
            << report.objects.blobs_kept
            << " blobs kept; dependency cache: " << report.dependency_cache.entries << " entries ("
            << report.dependency_cache.bytes << " bytes) deleted\n";
  return report;
}

void
Collector::start(std::chrono::seconds interval)
{
  if (interval.count() <= 0 || m_timer.joinable()) {
    return;
  }
  m_timer = std::jthread([this, interval](std::stop_token stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait_for(lock, stop, interval, [] { return false; });
      if (stop.stop_requested()) {
        return;
      }
      std::ignore = run(false); // a failure is logged; the next run tries again
    }
  });
}

void
Collector::stop()
{
  if (m_timer.joinable()) {
    m_timer.request_stop();
    m_timer.join();
  }
}

} // namespace reactor::gc
