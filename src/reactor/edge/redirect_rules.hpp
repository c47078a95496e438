#pragma once

#include "reactor/rules/redirects.hpp"

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

} // namespace reactor::edge
