#pragma once

#include "reactor/util/error.hpp"
#include "reactor/util/semver.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace reactor::core {

// A Node.js version as a project asks for it.
struct NodeVersionRequest
{
  util::semver::Range range;
  bool lts_only = false; // "lts/*": only even (long-term support) majors
};

// Reads what .nvmrc, .node-version, volta.node, engines.node or the nodeVersion setting
// say: a version or range ("18", "v18.20.4", "^18.17 || >=20", "18.x"), or one of nvm's
// aliases ("node", "lts/*", "lts/hydrogen"). Leading and trailing blanks are ignored.
// Fails, saying why, on anything else.
util::Result<NodeVersionRequest> parse_node_version(std::string_view text);

// The Node.js to build with: the host's own when it satisfies the request (no download),
// else the highest version of `available` that does, from the newest even (long-term
// support) major that has one, or else from any major. nullopt when none satisfies it.
std::optional<util::semver::Version> pick_node_version(
  const NodeVersionRequest& request,
  const util::semver::Version& host,
  const std::vector<util::semver::Version>& available);

} // namespace reactor::core
