#pragma once

#include "reactor/rules/redirects.hpp"
#include "reactor/rules/site_rules.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace reactor::edge {

struct RedirectMatch
{
  std::string target; // a URL for 301–308, a path on the same site for 200
  unsigned status = 302;
};

// The first rule matching `path` (decoded and normalised, starting with "/", without the
// query string), with placeholders and splat substituted into its target (repeated
// slashes folded in a target path); nullopt when none matches. The caller keeps the
// request's query string.
std::optional<RedirectMatch> match_redirect(const rules::RedirectRules& redirects,
                                            std::string_view path);

// Where the site's trailing-slash policy sends a request (308), or nullopt when the path
// stays: `raw_path` as the client sent it (still encoded, without the query string),
// `site_path` its normalised form (normalize_site_path). Adding skips the root and paths
// whose last segment has an extension ("/app.js"), as Vercel does; removing skips the root.
std::optional<RedirectMatch> trailing_slash_redirect(rules::TrailingSlash policy,
                                                     std::string_view raw_path,
                                                     std::string_view site_path);

} // namespace reactor::edge
