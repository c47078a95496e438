#include "reactor/store/sqlite/checkpointer.hpp"

#include "reactor/util/log.hpp"

#include <condition_variable>
#include <mutex>
#include <sys/resource.h>
#include <unistd.h>
#include <utility>

namespace reactor::store::sqlite {

Checkpointer::Checkpointer(Connection connection)
  : m_connection(std::move(connection))
  , m_thread([this](const std::stop_token& stop) { run(stop); })
{
}

void
Checkpointer::run(const std::stop_token& stop)
{
  // Background work at the lowest priority: a checkpoint copies thousands of pages and
  // syncs, and must not take a core from a thread that commits or delivers an event.
  static_cast<void>(::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19));
  std::mutex mutex;
  std::condition_variable_any never_notified;
  std::unique_lock lock(mutex);
  while (!never_notified.wait_for(lock, stop, k_checkpoint_period, [] { return false; }) &&
         !stop.stop_requested()) {
    // A passive checkpoint never waits for readers or writers; what it cannot copy now,
    // it copies next time.
    if (auto done = m_connection.exec("PRAGMA wal_checkpoint(PASSIVE)"); !done) {
      util::log::debug("store.checkpoint_failed", { { "error", done.error().message } });
    }
  }
}

} // namespace reactor::store::sqlite
