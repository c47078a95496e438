#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::rules {

// _redirects, with the syntax and limits of Cloudflare Pages.

constexpr std::size_t k_max_static_redirects = 2000;
constexpr std::size_t k_max_dynamic_redirects = 100;
constexpr std::size_t k_max_redirect_line = 1000;
// 200 rewrites to a path on the site; the others redirect.
constexpr std::array<unsigned, 6> k_redirect_statuses = { 200, 301, 302, 303, 307, 308 };

struct RedirectRule
{
  std::string from; // a path pattern (see path_pattern.hpp)
  std::string to;   // a path or http(s) URL, may hold ":name" and ":splat"
  unsigned status = 302;
  std::size_t line = 0;
};

struct RedirectRules
{
  std::vector<RedirectRule> rules; // in file order; the first match wins
  // `from` → index in `rules` of the leading rules without "*" or placeholders (static
  // rules, matched exactly before any other); see index_static_redirects.
  std::map<std::string, std::size_t, std::less<>> static_index;
  std::vector<std::string> problems; // "line N: what is wrong", for the build log
};

// Parses a _redirects file: "source destination [status]" per line, "#" comments, status
// 200 (rewrite to a path on the site), 301, 302 (default), 303, 307 or 308 (an "!" after
// it, Netlify's force, is accepted; every rule applies even when a file exists, as on
// Cloudflare). Never fails: every malformed line, rule over the limits and ignored part is
// described in `problems` and left out.
RedirectRules parse_redirects(std::string_view text);

// Why `rule` (its `from` already without a query string) cannot be kept, for a build log;
// nullopt when it can. The checks parse_redirects makes of every line.
std::optional<std::string> redirect_rule_problem(const RedirectRule& rule);

// Adds `rule` (one redirect_rule_problem accepts) after `rules.rules`, within the limits
// parse_redirects keeps, and updates `rules.static_index`. Returns why it was left out (a
// source already taken, the limits) or nullopt when it was added.
std::optional<std::string> add_redirect(RedirectRules& rules, RedirectRule rule);

// Fills `rules.static_index` from `rules.rules` (parse_redirects does; so must whoever
// reads rules back from where they were stored).
void index_static_redirects(RedirectRules& rules);

// True when a destination is an http(s) URL rather than a path on the site.
bool is_absolute_url(std::string_view target);

} // namespace reactor::rules
