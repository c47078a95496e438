#include "reactor/gc/collector.hpp"

#include "reactor/util/log.hpp"

#include <condition_variable>
#include <tuple>

namespace reactor::gc {

Collector::Collector(store::MetadataStore& store,
                     objects::ObjectStore& objects,
                     std::chrono::seconds grace,
                     std::function<CacheTrim()> trim_cache)
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

util::Result<GcReport>
Collector::run(bool dry_run, bool requested)
{
  const std::lock_guard lock(m_running);
  GcReport report;
  auto retired = retire_deployments(m_store, m_grace, dry_run);
  if (!retired) {
    util::log::error("gc.failed", { { "error", retired.error().message } });
    return std::unexpected(retired.error());
  }
  report.deployments = *retired;
  auto swept =
    sweep_objects(m_store,
                  m_objects,
                  { .grace = m_grace, .dry_run = dry_run, .grace_only_while_building = requested });
  if (!swept) {
    util::log::error("gc.failed", { { "error", swept.error().message } });
    return std::unexpected(swept.error());
  }
  report.objects = *swept;
  if (!dry_run && m_trim_cache) {
    report.dependency_cache = m_trim_cache();
  }
  util::log::info("gc.finished",
                  { { "dry_run", dry_run },
                    { "deployments_deleted", report.deployments.deployments_deleted },
                    { "blobs_deleted", report.objects.blobs_deleted },
                    { "bytes_freed", report.objects.bytes_freed },
                    { "manifests_deleted", report.objects.manifests_deleted },
                    { "blobs_kept", report.objects.blobs_kept },
                    { "cache_entries_deleted", report.dependency_cache.entries },
                    { "cache_bytes_freed", report.dependency_cache.bytes } });
  return report;
}

void
Collector::start(std::chrono::seconds interval)
{
  if (interval.count() <= 0 || m_timer.joinable()) {
    return;
  }
  m_timer = std::jthread([this, interval](const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait_for(lock, stop, interval, [] { return false; });
      if (stop.stop_requested()) {
        return;
      }
      std::ignore = run(false, false); // a failure is logged; the next run tries again
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
