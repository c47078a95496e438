#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/store/metadata_store.hpp"

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reactor::edge {

// Which project a custom domain serves: every active custom domain, read from the store
// at once, and again after any project's event (a domain verified or removed), so a Host
// that is none costs no lookup.
class CustomDomainTable
{
public:
  explicit CustomDomainTable(store::MetadataStore& store);

  // The project whose production `host` (lowercase, a port allowed) serves: "" when it is
  // no active custom domain; nullopt when the domains must be loaded first (never blocks).
  std::optional<std::string> cached(std::string_view host) const;
  // Reads every active custom domain from the store (blocking).
  util::Result<void> load();
  // Forgets them when a project's event is among these change-feed events.
  void forget_changed(const std::vector<core::Event>& events);

private:
  store::MetadataStore& m_store;
  mutable std::shared_mutex m_mutex;
  std::optional<std::unordered_map<std::string, std::string>> m_projects; // domain → project
  // Counts forget_changed() calls that forgot: a load that raced one keeps nothing.
  std::uint64_t m_changes = 0;
};

} // namespace reactor::edge
