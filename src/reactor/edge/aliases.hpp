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

// What a project's hostname label (`shop`, `shop--preview`) serves: the deployment its
// alias points at, read from the store once and kept until the change feed says the
// alias moved.
class AliasTable
{
public:
  explicit AliasTable(store::MetadataStore& store);

  // The label's deployment id ("" when the label is no alias) if known; nullopt when it
  // must be loaded first (never blocks).
  std::optional<std::string> cached(std::string_view label) const;
  // Reads the label's deployment id ("" for no alias) from the store (blocking).
  util::Result<std::string> load(std::string_view label);
  // Forgets the labels of the alias moves among these change-feed events.
  void forget_moved(const std::vector<core::Event>& events);

private:
  store::MetadataStore& m_store;
  mutable std::shared_mutex m_mutex;
  std::unordered_map<std::string, std::string> m_targets; // label → deployment id or ""
  // Counts forget_moved() calls: a load that raced one does not cache what it read.
  std::uint64_t m_moves = 0;
};

// True for the label of a project's production alias (no "--" branch part).
bool is_production_label(std::string_view label);

} // namespace reactor::edge
