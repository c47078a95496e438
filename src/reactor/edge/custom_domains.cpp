#include "reactor/edge/custom_domains.hpp"

#include <mutex>

namespace reactor::edge {

CustomDomainTable::CustomDomainTable(store::MetadataStore& store)
  : m_store(store)
{
}

std::optional<std::string>
CustomDomainTable::cached(std::string_view host) const
{
  const std::string_view name = host.substr(0, host.find(':'));
  std::shared_lock lock(m_mutex);
  if (!m_projects) {
    return std::nullopt;
  }
  const auto found = m_projects->find(std::string(name));
  return found == m_projects->end() ? std::string() : found->second;
}

util::Result<void>
CustomDomainTable::load()
{
  std::uint64_t changes_before = 0;
  {
    std::shared_lock lock(m_mutex);
    changes_before = m_changes;
  }
  auto active = m_store.custom_domains_in(core::DomainState::active);
  if (!active) {
    return std::unexpected(active.error());
  }
  std::unordered_map<std::string, std::string> projects;
  for (auto& domain : *active) {
    projects.emplace(std::move(domain.domain), std::move(domain.project));
  }
  std::unique_lock lock(m_mutex);
  if (m_changes == changes_before) {
    m_projects = std::move(projects);
  }
  return {};
}

void
CustomDomainTable::forget_changed(const std::vector<core::Event>& events)
{
  for (const auto& event : events) {
    if (event.kind == core::EventKind::project) {
      std::unique_lock lock(m_mutex);
      m_projects.reset();
      ++m_changes;
      return;
    }
  }
}

} // namespace reactor::edge
