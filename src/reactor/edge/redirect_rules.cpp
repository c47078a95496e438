#include "reactor/edge/redirect_rules.hpp"

#include "reactor/rules/path_pattern.hpp"

#include <algorithm>

namespace reactor::edge {

namespace {

std::string
finish_target(std::string_view to, const rules::PathCaptures& captures)
{
  std::string target = rules::substitute_captures(to, captures);
  if (rules::is_absolute_url(target)) {
    return target;
  }
  const std::size_t path_end = std::min(target.find_first_of("?#"), target.size());
  std::string folded;
  folded.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (i < path_end && target[i] == '/' && !folded.empty() && folded.back() == '/') {
      continue;
    }
    folded.push_back(target[i]);
  }
  return folded;
}

} // namespace

std::optional<RedirectMatch>
match_redirect(const rules::RedirectRules& redirects, std::string_view path)
{
  if (const auto found = redirects.static_index.find(path); found != redirects.static_index.end()) {
    const rules::RedirectRule& rule = redirects.rules[found->second];
    return RedirectMatch{ finish_target(rule.to, {}), rule.status };
  }
  rules::PathCaptures captures;
  for (std::size_t i = redirects.static_index.size(); i < redirects.rules.size(); ++i) {
    const rules::RedirectRule& rule = redirects.rules[i];
    if (rules::match_path_pattern(rule.from, path, &captures)) {
      return RedirectMatch{ finish_target(rule.to, captures), rule.status };
    }
  }
  return std::nullopt;
}

std::optional<RedirectMatch>
trailing_slash_redirect(rules::TrailingSlash policy,
                        std::string_view raw_path,
                        std::string_view site_path)
{
  if (policy == rules::TrailingSlash::keep || site_path.empty()) {
    return std::nullopt;
  }
  // One leading slash: "//host/" must not become a redirect to another host.
  std::string target = "/" + std::string(raw_path.substr(raw_path.find_first_not_of('/')));
  if (policy == rules::TrailingSlash::remove) {
    if (!site_path.ends_with('/')) {
      return std::nullopt;
    }
    target.erase(target.find_last_not_of('/') + 1);
    return RedirectMatch{ target.empty() ? "/" : target, 308 };
  }
  const auto name = site_path.substr(site_path.rfind('/') + 1);
  if (site_path.ends_with('/') || name.find('.') != std::string_view::npos) {
    return std::nullopt;
  }
  return RedirectMatch{ target + "/", 308 };
}

} // namespace reactor::edge
