#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reactor::builder {

// What a build found and measured, shown by GET /deployments/<id> as "build".
struct BuildInfo
{
  std::string framework;
  std::string package_manager;
  std::string package_manager_version;
  std::string node_version;
  std::string npm_version;
  std::string root_dir;
  std::string install_command;
  std::string build_command;
  std::string output_dir;
  std::string dependency_cache; // "hit", "miss", "off"; empty before the install
  std::string build_cache;      // "hit", "miss", "off"; empty before the build
  std::string reused_from;      // the deployment whose output this one serves, unbuilt
  std::vector<std::string> env; // the names of the project variables the build got
  std::vector<std::pair<std::string, std::int64_t>> durations_ms; // phase and its length

  // Records (or replaces) the length of one phase.
  void set_duration(const std::string& phase, std::int64_t ms);
  // Adds to the length recorded under `phase` (0 when none is).
  void add_duration(const std::string& phase, std::int64_t ms);
};

// {"framework", "packageManager", "packageManagerVersion", "node", "npm", "rootDir",
//  "installCommand", "buildCommand", "outputDir", "dependencyCache", "buildCache", "reusedFrom",
//  "env": [names],
//  "durationsMs": {"queue", "clone", "install", "build", "upload": each phase's length,
//                 "commands": the repository's own commands' share of install and build}},
// empty fields left out.
std::string to_json(const BuildInfo& info);

} // namespace reactor::builder
