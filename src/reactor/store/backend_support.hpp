#pragma once

// What both metadata-store backends share.

#include "reactor/store/metadata_store.hpp"
#include "reactor/util/log.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace reactor::store {

// Wall-clock milliseconds since the epoch: the stores' timestamps and lease deadlines.
inline std::int64_t
now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// The ERROR message of a job moved to the dead-letter queue.
inline std::string
dead_letter_reason()
{
  return "the build was attempted " + std::to_string(k_max_receives) +
         " times and the worker never finished (crashed or lost); it was moved to the "
         "dead-letter queue — redrive it once the workers are healthy";
}

// Brings a database at schema `version` to the last of `migrations` (each the SQL that
// moves version i to i + 1), running each through `exec` (SQL text → Result<void>);
// refuses a database newer than this binary. The caller records the new version.
template<typename Exec>
core::Result<void>
apply_migrations(std::span<const char* const> migrations, std::size_t version, Exec exec)
{
  if (version > migrations.size()) {
    return core::fail("the database schema is at version " + std::to_string(version) +
                      ", newer than this binary knows (" + std::to_string(migrations.size()) +
                      "); upgrade Reactor");
  }
  for (; version < migrations.size(); ++version) {
    if (auto applied = exec(migrations[version]); !applied) {
      return core::fail("migration to schema version " + std::to_string(version + 1) +
                        " failed: " + applied.error().message);
    }
  }
  return {};
}

// Logs the jobs a lease moved to the dead-letter queue; called once that commit is done,
// so the log never tells of a move that was rolled back.
inline void
log_dead_lettered(const std::vector<Job>& jobs)
{
  for (const auto& job : jobs) {
    util::log::warn("job.dead_lettered",
                    { { "id", job.deployment_id }, { "receives", job.receives } });
  }
}

} // namespace reactor::store
