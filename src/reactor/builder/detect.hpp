#pragma once

#include "reactor/core/error.hpp"

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

// How to build one checkout, decided from its files alone.
struct BuildPlan
{
  std::string framework; // "create-react-app", "vite" or "other"
  PackageManager package_manager = PackageManager::npm;
  std::vector<std::string> install_command;
  std::vector<std::string> build_command;
  std::vector<std::string> build_env;   // extra "NAME=value" for the build phase
  std::vector<std::string> output_dirs; // relative to the checkout; the first that exists wins
};

// Reads package.json and the lockfiles at the root of `checkout` (runs nothing). Fails,
// with a message telling the user what to fix, when package.json is missing or invalid
// or has no "build" script.
core::Result<BuildPlan> detect_build(const std::filesystem::path& checkout);

} // namespace reactor::builder
