#pragma once

#include "reactor/rules/headers.hpp"
#include "reactor/rules/redirects.hpp"

namespace reactor::rules {

// Whether the edge adds or removes a trailing slash on page paths (vercel.json's
// trailingSlash: true or false), with a 308, before any other rule.
enum class TrailingSlash
{
  keep,
  add,
  remove
};

// A site's rules: its _redirects and _headers, parsed, and the trailing-slash policy.
struct SiteRules
{
  RedirectRules redirects;
  HeaderRules headers;
  TrailingSlash trailing_slash = TrailingSlash::keep;
};

} // namespace reactor::rules
