#pragma once

#include "reactor/rules/headers.hpp"
#include "reactor/rules/redirects.hpp"

namespace reactor::rules {

// A site's rules: its _redirects and _headers, parsed.
struct SiteRules
{
  RedirectRules redirects;
  HeaderRules headers;
};

} // namespace reactor::rules
