#include "reactor/edge/skew.hpp"

#include "reactor/core/project.hpp"

#include <chrono>
#include <mutex>

namespace reactor::edge {

namespace {

constexpr std::int64_t k_keep_ms = 60'000;
// Labels kept at most; past it the table starts over.
constexpr std::size_t k_max_labels = 10'000;

std::int64_t
steady_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

} // namespace

SkewTable::SkewTable(store::MetadataStore& store)
  : m_store(store)
{
}

util::Result<std::shared_ptr<const SkewTable::Deployments>>
SkewTable::earlier(std::string_view label)
{
  const auto now = steady_ms();
  std::uint64_t changes_before = 0;
  {
    std::shared_lock lock(m_mutex);
    if (const auto found = m_labels.find(label);
        found != m_labels.end() && found->second.until_ms > now) {
      return found->second.deployments;
    }
    changes_before = m_changes;
  }
  auto read = m_store.skew_deployments(label);
  if (!read) {
    return std::unexpected(read.error());
  }
  auto deployments = std::make_shared<const Deployments>(std::move(*read));
  std::unique_lock lock(m_mutex);
  if (m_changes != changes_before) {
    return deployments; // something changed meanwhile: what was read may already be stale
  }
  if (m_labels.size() >= k_max_labels) {
    m_labels.clear();
  }
  m_labels.insert_or_assign(std::string(label), Entry{ deployments, now + k_keep_ms });
  return deployments;
}

void
SkewTable::forget_changed(const std::vector<core::Event>& events)
{
  std::unique_lock lock(m_mutex);
  for (const auto& event : events) {
    switch (event.kind) {
      case core::EventKind::alias:
        m_labels.erase(event.line);
        break;
      case core::EventKind::project:
        std::erase_if(m_labels, [&](const auto& entry) {
          return core::label_project(entry.first) == event.line;
        });
        break;
      case core::EventKind::deleted:
        m_labels.clear(); // rare; each label is read again when next needed
        break;
      case core::EventKind::status:
      case core::EventKind::log:
        continue;
    }
    ++m_changes;
  }
}

} // namespace reactor::edge
