#include "reactor/rules/host_config.hpp"

#include "reactor/rules/rule_file.hpp"

namespace reactor::rules {

std::vector<std::string>
append_host_rules(SiteRules& site, const HostConfig& config)
{
  std::vector<std::string> problems;
  for (const auto& rule : config.redirects) {
    if (auto problem = add_redirect(site.redirects, rule)) {
      problems.push_back("redirect from " + quote_excerpt(rule.from) + ": " + *problem +
                         "; ignored");
    }
  }
  for (const auto& rule : config.headers) {
    if (site.headers.rules.size() == k_max_header_rules) {
      problems.push_back("headers for " + quote_excerpt(rule.pattern) + ": more than " +
                         std::to_string(k_max_header_rules) + " header rules; ignored");
      continue;
    }
    site.headers.rules.push_back(rule);
  }
  if (config.trailing_slash != TrailingSlash::keep) {
    site.trailing_slash = config.trailing_slash;
  }
  return problems;
}

} // namespace reactor::rules
