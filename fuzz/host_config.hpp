#pragma once

// What the vercel_config and netlify_config targets check of a parsed host configuration.
#include "reactor/rules/host_config.hpp"
#include "reactor/rules/path_pattern.hpp"

#include <cstdlib>

namespace reactor::fuzz {

// Every rule is one the site's own files could hold, and appending keeps their limits.
inline void
check_host_config(const rules::HostConfig& config)
{
  using namespace reactor::rules;
  for (const RedirectRule& rule : config.redirects) {
    if (redirect_rule_problem(rule)) {
      std::abort();
    }
  }
  for (const HeaderRule& rule : config.headers) {
    if (path_pattern_problem(rule.pattern) || rule.set.empty()) {
      std::abort();
    }
    for (const auto& [name, value] : rule.set) {
      if (header_problem(name, value)) {
        std::abort();
      }
    }
  }
  SiteRules site;
  append_host_rules(site, config);
  if (site.redirects.rules.size() > k_max_static_redirects + k_max_dynamic_redirects ||
      site.headers.rules.size() > k_max_header_rules) {
    std::abort();
  }
}

} // namespace reactor::fuzz
