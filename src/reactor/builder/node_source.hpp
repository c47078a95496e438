#pragma once

#include "reactor/core/node_version.hpp"
#include "reactor/util/error.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace reactor::builder {

// Where a project says which Node.js it wants, and what it says.
struct NodeSource
{
  std::string where; // ".nvmrc", "apps/web/package.json (engines.node)"
  std::string value; // as written, trimmed
  core::NodeVersionRequest request;
};

// The Node.js version the app at `app_dir` (inside `checkout`) asks for: in its folder, then
// each folder above it up to the checkout, the first of .nvmrc, .node-version,
// package.json's volta.node and engines.node. nullopt when none says. Fails as the user's
// to fix, naming the file and the value, when what one says is not a version or range.
util::Result<std::optional<NodeSource>> find_node_request(const std::filesystem::path& checkout,
                                                          std::string_view app_dir);

} // namespace reactor::builder
