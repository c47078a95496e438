#include "reactor/builder/detect.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <optional>
#include <sstream>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::uintmax_t k_max_package_json_bytes = 1024 * 1024;

const json::string*
dependency_version(const json::object& package, std::string_view name)
{
  for (const auto* section : { "dependencies", "devDependencies" }) {
    const auto* deps = package.if_contains(section);
    const auto* version =
      deps != nullptr && deps->is_object() ? deps->get_object().if_contains(name) : nullptr;
    if (version != nullptr) {
      return version->if_string();
    }
  }
  return nullptr;
}

bool
has_dependency(const json::object& package, std::string_view name)
{
  for (const auto* section : { "dependencies", "devDependencies" }) {
    const auto* deps = package.if_contains(section);
    if (deps != nullptr && deps->is_object() && deps->get_object().contains(name)) {
      return true;
    }
  }
  return false;
}

// The major version a semver range such as "^4.0.3" or "~3.4.1" starts from.
std::optional<int>
major_version(std::string_view range)
{
  while (!range.empty() && (range.front() == '^' || range.front() == '~' || range.front() == '=' ||
                            range.front() == 'v' || range.front() == ' ')) {
    range.remove_prefix(1);
  }
  int major = 0;
  std::size_t digits = 0;
  while (digits < range.size() && range[digits] >= '0' && range[digits] <= '9' && digits < 6) {
    major = major * 10 + (range[digits] - '0');
    ++digits;
  }
  if (digits == 0) {
    return std::nullopt;
  }
  return major;
}

std::optional<PackageManager>
manager_from_field(const json::object& package)
{
  const auto* field = package.if_contains("packageManager");
  if (field == nullptr || !field->is_string()) {
    return std::nullopt;
  }
  const std::string_view value = field->get_string();
  const auto name = value.substr(0, value.find('@'));
  if (name == "yarn") {
    return PackageManager::yarn;
  }
  if (name == "pnpm") {
    return PackageManager::pnpm;
  }
  if (name == "npm") {
    return PackageManager::npm;
  }
  if (name == "bun") {
    return PackageManager::bun;
  }
  return std::nullopt;
}

bool
is_file(const fs::path& path)
{
  std::error_code ec;
  return fs::is_regular_file(fs::symlink_status(path, ec));
}

} // namespace

std::string_view
to_string(PackageManager manager)
{
  switch (manager) {
    case PackageManager::npm:
      return "npm";
    case PackageManager::yarn:
      return "yarn";
    case PackageManager::pnpm:
      return "pnpm";
    case PackageManager::bun:
      return "bun";
  }
  return "npm";
}

core::Result<BuildPlan>
detect_build(const fs::path& checkout)
{
  const auto package_path = checkout / "package.json";
  if (!is_file(package_path)) {
    return core::fail("No package.json at the repository root: Reactor builds Node projects "
                      "(Create React App, Vite, or anything with an \"npm run build\" script). "
                      "Check the repository URL, or move the app to the repository root.");
  }
  std::error_code ec;
  if (fs::file_size(package_path, ec) > k_max_package_json_bytes || ec) {
    return core::fail("package.json is too large (over 1 MiB)");
  }
  std::ifstream input(package_path, std::ios::binary);
  std::stringstream text;
  text << input.rdbuf();
  boost::system::error_code parse_error;
  const auto value = json::parse(text.str(), parse_error);
  if (parse_error || !value.is_object()) {
    return core::fail("package.json is not valid JSON" +
                      (parse_error ? ": " + parse_error.message() : std::string()) +
                      ". Fix it so that \"npm install\" can read it.");
  }
  const auto& package = value.get_object();

  const auto* scripts = package.if_contains("scripts");
  const auto* build = scripts != nullptr && scripts->is_object()
                        ? scripts->get_object().if_contains("build")
                        : nullptr;
  if (build == nullptr || !build->is_string() || build->get_string().empty()) {
    return core::fail("package.json has no \"build\" script: add one, e.g. "
                      "\"build\": \"vite build\" (Vite) or \"build\": \"react-scripts build\" "
                      "(Create React App).");
  }

  BuildPlan plan;
  if (has_dependency(package, "react-scripts")) {
    plan.framework = "create-react-app";
    plan.output_dirs = { "build" };
    const auto* version = dependency_version(package, "react-scripts");
    const auto major = version != nullptr ? major_version(*version) : std::nullopt;
    if (major && *major < 5) {
      plan.build_env.emplace_back("NODE_OPTIONS=--openssl-legacy-provider");
    }
  } else if (has_dependency(package, "vite")) {
    plan.framework = "vite";
    plan.output_dirs = { "dist" };
  } else {
    plan.framework = "other";
    plan.output_dirs = { "dist", "build", "out" };
  }

  bool locked = true;
  if (is_file(checkout / "package-lock.json") || is_file(checkout / "npm-shrinkwrap.json")) {
    plan.package_manager = PackageManager::npm;
  } else if (is_file(checkout / "yarn.lock")) {
    plan.package_manager = PackageManager::yarn;
  } else if (is_file(checkout / "pnpm-lock.yaml")) {
    plan.package_manager = PackageManager::pnpm;
  } else if (is_file(checkout / "bun.lockb") || is_file(checkout / "bun.lock")) {
    plan.package_manager = PackageManager::bun;
  } else {
    locked = false;
    plan.package_manager = manager_from_field(package).value_or(PackageManager::npm);
  }

  switch (plan.package_manager) {
    case PackageManager::npm:
      plan.install_command = { "npm", locked ? "ci" : "install" };
      plan.build_command = { "npm", "run", "build" };
      break;
    case PackageManager::yarn:
    case PackageManager::pnpm: {
      const std::string name(to_string(plan.package_manager));
      plan.install_command = { "corepack", name, "install" };
      plan.build_command = { "corepack", name, "run", "build" };
      break;
    }
    case PackageManager::bun:
      plan.install_command = { "bun", "install" };
      plan.build_command = { "bun", "run", "build" };
      break;
  }
  if (locked && plan.package_manager != PackageManager::npm) {
    plan.install_command.emplace_back("--frozen-lockfile");
  }
  return plan;
}

} // namespace reactor::builder
