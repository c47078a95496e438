#pragma once

#include "reactor/rules/host_config.hpp"
#include "reactor/util/error.hpp"

#include <string_view>

namespace reactor::rules {

// netlify.toml, read into Reactor's settings and rules: [build]'s base, command and publish
// become the root folder, build command and output folder; each [[redirects]] (from, to,
// status, 301 by default, force) a rule and each [[headers]] (for, values) a header rule,
// their paths in the syntax of _redirects and _headers. A rule applies whether a file
// exists at its path or not (force = true, which Netlify does not assume). Every other key,
// and every rule with a condition (query, conditions, headers, signed), is named in
// `problems` ("line N: …") and left out. Fails, the user's fault, when the text is not
// TOML, saying on which line.
util::Result<HostConfig> parse_netlify_config(std::string_view text);

} // namespace reactor::rules
