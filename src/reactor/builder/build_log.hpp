#pragma once

#include "reactor/store/metadata_store.hpp"
#include "reactor/util/error.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace reactor::builder {

constexpr std::size_t k_max_log_lines = 20'000;
// The line that replaces the output past the limits starts with this.
constexpr std::string_view k_log_truncated = "[log truncated]";

struct LogLimits
{
  std::size_t max_lines = k_max_log_lines;
  std::uint64_t max_bytes = 10ULL << 20; // 0: no limit
};

// One deployment's build log on its way to the store: lines are appended in batches, at
// least every 100 ms and whenever 100 lines are waiting, by a thread of its own.
class BuildLog
{
public:
  BuildLog(store::MetadataStore& store,
           std::string deployment_id,
           LogLimits limits = {},
           std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  BuildLog(const BuildLog&) = delete;
  BuildLog& operator=(const BuildLog&) = delete;
  // Writes what is still queued.
  ~BuildLog();

  // Queues one line of a command's output, made safe for JSON. Past the limits, queues a
  // line starting with k_log_truncated once and drops the rest. Safe from any thread.
  void add(std::string_view line);

  // Queues one of Reactor's own lines: kept even past the limits.
  void note(std::string_view line);

  // From now on, replaces every occurrence of each value longer than 5 characters in the
  // lines queued with "***" (shorter ones are too common to hide). Lines are masked one by
  // one: a value with line breaks is masked line by line (each of its lines longer than
  // 5 characters), and one that output split elsewhere (a line over
  // util::k_max_line_bytes) is not found.
  void mask(const std::vector<std::string>& values);

  // Writes every queued line now. Returns the first store failure since the last call
  // (lines the store refused stay queued for the next write).
  util::Result<void> flush();

private:
  bool write_pending(); // false when the store refused (the lines stay pending)
  // The line with the masked values replaced and made safe for JSON (under m_mutex).
  std::string clean(std::string_view line) const;
  void run();

  store::MetadataStore& m_store;
  const std::string m_deployment_id;
  const LogLimits m_limits;
  const std::chrono::milliseconds m_interval;

  std::mutex m_write_mutex;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::vector<std::string> m_pending;
  std::vector<std::string> m_masked; // longest first, so a value inside another goes too
  std::size_t m_accepted = 0;
  std::uint64_t m_accepted_bytes = 0;
  bool m_truncated = false;
  bool m_stopping = false;
  std::optional<util::Error> m_error;
  std::thread m_thread;
};

} // namespace reactor::builder
