#pragma once

#include "reactor/rules/host_config.hpp"
#include "reactor/util/error.hpp"

#include <string_view>

namespace reactor::rules {

// vercel.json, read into Reactor's settings and rules: buildCommand, installCommand and
// outputDirectory become build settings; rewrites become 200 rules, redirects rules with
// statusCode or, by `permanent` (true by default), 308 or 307; headers header rules. A
// source in path-to-regexp syntax becomes a path pattern where one says the same: "/:name"
// stays a placeholder, and one ":name*", ":name+", ":name(.*)" or "(.*)" becomes the splat
// (":name" or "$1" in the destination and header values then read ":splat"); so "/blog/:path*"
// becomes "/blog/*", which unlike Vercel's does not match "/blog" itself. cleanUrls becomes
// redirects from the .html paths, trailingSlash the site's trailing-slash policy (true:
// add one to page paths, false: remove it; 308 either way). Every other key, rule condition
// (has, missing) and source that does not convert is named in `problems` ("redirects[2]: …")
// and left out. Fails, the user's fault, when the text is not a JSON object, saying where.
util::Result<HostConfig> parse_vercel_config(std::string_view text);

} // namespace reactor::rules
