#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/store/metadata_store.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::edge {

// Skew protection's view of each alias: the deployments that held it within its
// project's skew window, newest first (MetadataStore::skew_deployments). Read once and
// kept until the change feed says the alias moved, its project changed or a deployment
// was deleted, and for a minute at most, as the window moves on.
class SkewTable
{
public:
  using Deployments = std::vector<std::string>;

  explicit SkewTable(store::MetadataStore& store);

  // The label's earlier deployments (blocking when they must be read).
  util::Result<std::shared_ptr<const Deployments>> earlier(std::string_view label);
  // Forgets what the alias moves, project changes and deletions among these events touch.
  void forget_changed(const std::vector<core::Event>& events);

private:
  struct Entry
  {
    std::shared_ptr<const Deployments> deployments;
    std::int64_t until_ms = 0; // steady clock
  };

  store::MetadataStore& m_store;
  mutable std::shared_mutex m_mutex;
  std::map<std::string, Entry, std::less<>> m_labels;
  // Counts forget_changed() calls: a load that raced one does not cache what it read.
  std::uint64_t m_changes = 0;
};

} // namespace reactor::edge
