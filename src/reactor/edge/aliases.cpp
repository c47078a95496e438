#include "reactor/edge/aliases.hpp"

#include <mutex>

namespace reactor::edge {

namespace {

// Labels kept at most; past it the table starts over (unknown labels are cached too, so
// a client inventing hostnames cannot grow it without bound).
constexpr std::size_t k_max_labels = 100'000;

} // namespace

AliasTable::AliasTable(store::MetadataStore& store)
  : m_store(store)
{
}

std::optional<std::string>
AliasTable::cached(std::string_view label) const
{
  std::shared_lock lock(m_mutex);
  const auto found = m_targets.find(std::string(label));
  if (found == m_targets.end()) {
    return std::nullopt;
  }
  return found->second;
}

util::Result<std::string>
AliasTable::load(std::string_view label)
{
  std::uint64_t moves_before = 0;
  {
    std::shared_lock lock(m_mutex);
    moves_before = m_moves;
  }
  auto target = m_store.resolve_alias(label);
  if (!target) {
    return std::unexpected(target.error());
  }
  std::string id = target->value_or("");
  std::unique_lock lock(m_mutex);
  if (m_moves != moves_before) {
    return id; // an alias moved meanwhile: what was read may already be stale
  }
  if (m_targets.size() >= k_max_labels) {
    m_targets.clear();
  }
  m_targets.insert_or_assign(std::string(label), id);
  return id;
}

void
AliasTable::forget_moved(const std::vector<core::Event>& events)
{
  std::unique_lock lock(m_mutex);
  for (const auto& event : events) {
    if (event.kind == core::EventKind::alias) {
      m_targets.erase(event.line);
      ++m_moves;
    }
  }
}

bool
is_production_label(std::string_view label)
{
  return label.find("--") == std::string_view::npos;
}

} // namespace reactor::edge
