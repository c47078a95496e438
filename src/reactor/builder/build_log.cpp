#include "reactor/builder/build_log.hpp"

#include "reactor/builder/limits.hpp"
#include "reactor/builder/text.hpp"
#include "reactor/util/units.hpp"

#include <algorithm>
#include <functional>

namespace reactor::builder {

namespace {

constexpr std::size_t k_batch_lines = 100;
// Shorter values are too common in ordinary output to mask without hiding it.
constexpr std::size_t k_min_masked = 6;

} // namespace

BuildLog::BuildLog(store::MetadataStore& store,
                   std::string deployment_id,
                   LogLimits limits,
                   std::chrono::milliseconds interval)
  : m_store(store)
  , m_deployment_id(std::move(deployment_id))
  , m_limits(limits)
  , m_interval(interval)
  , m_thread([this] { run(); })
{
}

BuildLog::~BuildLog()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
  static_cast<void>(flush());
}

void
BuildLog::add(std::string_view line)
{
  bool wake = false;
  {
    std::lock_guard lock(m_mutex);
    const bool over_lines = m_accepted >= m_limits.max_lines;
    const bool over_bytes =
      m_limits.max_bytes != 0 && m_accepted_bytes + line.size() + 1 > m_limits.max_bytes;
    if (over_lines || over_bytes) {
      if (!m_truncated) {
        m_truncated = true;
        const auto limit = over_lines ? std::to_string(m_limits.max_lines) + " lines"
                                      : util::format_size(m_limits.max_bytes);
        m_pending.push_back(std::string(k_log_truncated) + " The output went over the log limit (" +
                            limit + "); the rest of it is not kept.");
      }
      return;
    }
    ++m_accepted;
    m_accepted_bytes += line.size() + 1;
    m_pending.push_back(clean(line));
    wake = m_pending.size() >= k_batch_lines;
  }
  if (wake) {
    m_wake.notify_all();
  }
}

void
BuildLog::note(std::string_view line)
{
  std::lock_guard lock(m_mutex);
  m_pending.push_back(clean(line));
}

void
BuildLog::mask(const std::vector<std::string>& values)
{
  std::vector<std::string> masked;
  for (const auto& value : values) {
    for (std::size_t start = 0; start < value.size();) {
      const auto end = std::min(value.find('\n', start), value.size());
      std::string_view line(value.data() + start, end - start);
      if (line.ends_with('\r')) {
        line.remove_suffix(1);
      }
      if (line.size() >= k_min_masked) {
        masked.emplace_back(line);
      }
      start = end + 1;
    }
  }
  std::ranges::sort(masked, std::ranges::greater{}, &std::string::size);
  std::lock_guard lock(m_mutex);
  m_masked = std::move(masked);
}

std::string
BuildLog::clean(std::string_view line) const
{
  if (m_masked.empty()) {
    return sanitize_line(line);
  }
  const auto masked = [this](std::string text) {
    for (const auto& value : m_masked) {
      for (auto at = text.find(value); at != std::string::npos; at = text.find(value, at + 3)) {
        text.replace(at, value.size(), "***");
      }
    }
    return text;
  };
  // Before sanitising (a value with characters it replaces) and after (one a terminal
  // escape sequence was printed into).
  return masked(sanitize_line(masked(std::string(line))));
}

util::Result<void>
BuildLog::flush()
{
  write_pending();
  std::lock_guard lock(m_mutex);
  if (m_error) {
    auto error = std::move(*m_error);
    m_error.reset();
    return std::unexpected(std::move(error));
  }
  return {};
}

bool
BuildLog::write_pending()
{
  std::lock_guard write_lock(m_write_mutex);
  std::vector<std::string> batch;
  {
    std::lock_guard lock(m_mutex);
    batch.swap(m_pending);
  }
  if (batch.empty()) {
    return true;
  }
  auto written = m_store.append_logs(m_deployment_id, batch);
  if (!written) {
    std::lock_guard lock(m_mutex);
    if (!m_error) {
      m_error = std::move(written.error());
    }
    // Kept, in order, for the next write: a store that is away for a moment (a database
    // restart) must not cost the build's lines.
    m_pending.insert(m_pending.begin(),
                     std::make_move_iterator(batch.begin()),
                     std::make_move_iterator(batch.end()));
    return false;
  }
  return true;
}

void
BuildLog::run()
{
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    m_wake.wait_for(
      lock, m_interval, [this] { return m_stopping || m_pending.size() >= k_batch_lines; });
    if (m_pending.empty()) {
      continue;
    }
    lock.unlock();
    const bool written = write_pending();
    lock.lock();
    if (!written) {
      m_wake.wait_for(lock, m_interval, [this] { return m_stopping; }); // not a busy retry
    }
  }
}

} // namespace reactor::builder
