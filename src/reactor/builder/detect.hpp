#pragma once

#include "reactor/util/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder {

enum class PackageManager
{
  npm,
  yarn,
  pnpm,
  bun
};

std::string_view to_string(PackageManager manager);

// Where the sandbox puts bun when a project needs it (bun comes from its npm package).
constexpr std::string_view k_bun_prefix = "/workspace/home/.bun";

// How to build one checkout, decided from its files alone.
struct BuildPlan
{
  std::string framework; // "create-react-app", "vite", "nextjs", "astro", …, "other"
  PackageManager package_manager = PackageManager::npm;
  std::string package_manager_version; // "8", "4.1.0": asked for, or implied by the lockfile
  bool yarn_berry = false;
  std::string app_dir;     // the app's folder, relative to the checkout ("" for its root)
  std::string install_dir; // where the install runs: app_dir, or the workspace root above it
  std::string lockfile;    // relative to the checkout; empty when there is none
  // Run in the install phase even when the dependency cache makes the install unneeded:
  // fetches the package manager (corepack, bun), so the build needs no network.
  std::vector<std::string> setup_command;
  std::vector<std::string> install_command;
  std::vector<std::string> build_command;
  std::vector<std::string> env;               // extra "NAME=value" for every phase
  std::vector<std::string> build_env;         // extra "NAME=value" for the build phase
  std::vector<std::string> output_dirs;       // relative to app_dir; the first that exists wins
  std::vector<std::string> lifecycle_scripts; // install-time scripts of install_dir's package.json
  std::vector<std::string> notes;             // choices worth a line in the log
};

// Makes the plan's corepack commands (yarn, pnpm) run exactly `version`, which the shared
// corepack home holds already: the install phase then has nothing to set up.
void pin_package_manager(BuildPlan& plan, const std::string& version);

// The install-time scripts (preinstall, install, postinstall, preprepare, prepare,
// postprepare) that the package.json at `package_json` defines, in the order npm runs them;
// empty when it has none or cannot be read.
std::vector<std::string> install_scripts(const std::filesystem::path& package_json);

// Reads package.json files and lockfiles below `checkout` (runs nothing). `app_dir` is the
// app's folder inside it; a lockfile in a parent folder that declares workspaces makes that
// folder the install folder. `node_major` is the Node.js the build runs on.
// `package_manager` ("pnpm@10"), when set, replaces the project's packageManager field (a
// lockfile of another manager is then not used). Fails, with a
// message telling the user what to fix, when the folder or its package.json is missing or
// invalid or has no "build" script.
util::Result<BuildPlan> detect_build(const std::filesystem::path& checkout,
                                     std::string_view app_dir = "",
                                     int node_major = 20,
                                     std::string_view package_manager = "");

} // namespace reactor::builder
