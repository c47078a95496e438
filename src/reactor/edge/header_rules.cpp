#include "reactor/edge/header_rules.hpp"

#include "reactor/rules/path_pattern.hpp"

#include <algorithm>

namespace reactor::edge {

HeaderChanges
headers_for(const rules::HeaderRules& header_rules, std::string_view path)
{
  HeaderChanges changes;
  rules::PathCaptures captures;
  for (const rules::HeaderRule& rule : header_rules.rules) {
    if (!rules::match_path_pattern(rule.pattern, path, &captures)) {
      continue;
    }
    for (const std::string& name : rule.detach) {
      std::erase_if(changes.set, [&](const auto& header) { return header.first == name; });
      if (std::ranges::find(changes.detach, name) == changes.detach.end()) {
        changes.detach.push_back(name);
      }
    }
    for (const auto& [name, value] : rule.set) {
      std::string substituted = rules::substitute_captures(value, captures);
      const auto existing =
        std::ranges::find_if(changes.set, [&](const auto& header) { return header.first == name; });
      if (existing == changes.set.end()) {
        changes.set.emplace_back(name, std::move(substituted));
      } else {
        existing->second.append(", ").append(substituted);
      }
    }
  }
  return changes;
}

} // namespace reactor::edge
