#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/rules/site_rules.hpp"

#include <string>
#include <vector>

namespace reactor::rules {

// What a configuration file written for another host (vercel.json, netlify.toml) asks for,
// in Reactor's terms. See vercel_config.hpp and netlify_config.hpp.
struct HostConfig
{
  // The build settings the file sets (root_dir, install_command, build_command, output_dir,
  // node_version, env; empty: not set), as written: the builder checks them as it checks a
  // request's.
  core::BuildSettings settings;
  std::vector<RedirectRule> redirects; // each accepted by redirect_rule_problem, in file order
  std::vector<HeaderRule> headers;     // each accepted by header_problem, in file order
  TrailingSlash trailing_slash = TrailingSlash::keep;
  std::vector<std::string> problems; // one line per key or value left out, for the build log
};

// Appends the rules of `config` after those of `site` (the site's _redirects and _headers
// first, as Netlify orders them), within the limits of those files. Returns why each rule
// left out was, for the build log.
std::vector<std::string> append_host_rules(SiteRules& site, const HostConfig& config);

} // namespace reactor::rules
