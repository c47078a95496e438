#include "reactor/builder/detect.hpp"

#include "reactor/builder/file_tree.hpp"

#include <boost/json.hpp>

#include <array>
#include <fstream>
#include <optional>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::uintmax_t k_max_package_json_bytes = 1024 * 1024;
constexpr std::size_t k_lockfile_head_bytes = 4096;

// The scripts a package manager runs during an install, in the order npm runs them.
constexpr std::array<std::string_view, 6> k_lifecycle_scripts{ "preinstall",  "install",
                                                               "postinstall", "preprepare",
                                                               "prepare",     "postprepare" };

bool
is_file(const fs::path& path)
{
  std::error_code ec;
  return fs::is_regular_file(fs::symlink_status(path, ec));
}

std::string
read_head(const fs::path& path, std::size_t bytes)
{
  std::ifstream input(path, std::ios::binary);
  std::string text(bytes, '\0');
  input.read(text.data(), static_cast<std::streamsize>(bytes));
  text.resize(static_cast<std::size_t>(input.gcount()));
  return text;
}

std::string
display(std::string_view dir)
{
  return dir.empty() ? "the repository root" : std::string(dir);
}

// The package.json in `dir`: nullopt when there is none.
util::Result<std::optional<json::object>>
read_package(const fs::path& dir, std::string_view shown)
{
  const auto path = dir / "package.json";
  if (!is_file(path)) {
    return std::optional<json::object>{};
  }
  std::error_code ec;
  if (fs::file_size(path, ec) > k_max_package_json_bytes || ec) {
    return util::fail_user("package.json in " + display(shown) + " is too large (over 1 MiB)");
  }
  boost::system::error_code parse_error;
  auto value = json::parse(read_text(path), parse_error);
  if (parse_error || !value.is_object()) {
    return util::fail_user("package.json in " + display(shown) + " is not valid JSON" +
                           (parse_error ? ": " + parse_error.message() : std::string()) +
                           ". Fix it so that \"npm install\" can read it.");
  }
  return std::optional(std::move(value.get_object()));
}

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

const json::string*
script(const json::object& package, std::string_view name)
{
  const auto* scripts = package.if_contains("scripts");
  const auto* value =
    scripts != nullptr && scripts->is_object() ? scripts->get_object().if_contains(name) : nullptr;
  const auto* text = value != nullptr ? value->if_string() : nullptr;
  return text != nullptr && !text->empty() ? text : nullptr;
}

std::vector<std::string>
lifecycle_scripts(const json::object& package)
{
  std::vector<std::string> names;
  for (const auto name : k_lifecycle_scripts) {
    if (script(package, name) != nullptr) {
      names.emplace_back(name);
    }
  }
  return names;
}

// The major version a semver range such as "^4.0.3" or "~3.4.1" starts from.
std::optional<int>
major_version(std::string_view range)
{
  while (!range.empty() && (range.front() == '^' || range.front() == '~' || range.front() == '=' ||
                            range.front() == 'v' || range.front() == ' ' || range.front() == '>')) {
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

struct ManagerField
{
  PackageManager manager;
  std::string version; // without the "+sha…" suffix
};

// "pnpm@9.1.0+sha512…" or "yarn": nullopt for a manager Reactor does not run.
std::optional<ManagerField>
parse_manager(std::string_view value)
{
  const auto at = value.find('@');
  const auto name = value.substr(0, at);
  std::string version(at == std::string_view::npos ? "" : value.substr(at + 1));
  version = version.substr(0, version.find('+'));
  for (const auto manager :
       { PackageManager::npm, PackageManager::yarn, PackageManager::pnpm, PackageManager::bun }) {
    if (name == to_string(manager)) {
      return ManagerField{ manager, version };
    }
  }
  return std::nullopt;
}

std::optional<ManagerField>
manager_from_field(const json::object& package)
{
  const auto* field = package.if_contains("packageManager");
  if (field == nullptr || !field->is_string()) {
    return std::nullopt;
  }
  return parse_manager(field->get_string());
}

// Whether pnpm-workspace.yaml in `dir` exists without a top-level "packages:" key: pnpm 10
// reads such a file (for its settings), pnpm 9 refuses it.
bool
workspace_without_packages(const fs::path& dir)
{
  const auto path = dir / "pnpm-workspace.yaml";
  if (!is_file(path)) {
    return false;
  }
  const auto text = read_head(path, k_max_package_json_bytes);
  return !text.starts_with("packages:") && text.find("\npackages:") == std::string::npos;
}

struct Lockfile
{
  PackageManager manager;
  std::string name;
};

std::optional<Lockfile>
find_lockfile(const fs::path& dir)
{
  constexpr std::array<std::pair<std::string_view, PackageManager>, 6> k_lockfiles{ {
    { "package-lock.json", PackageManager::npm },
    { "npm-shrinkwrap.json", PackageManager::npm },
    { "yarn.lock", PackageManager::yarn },
    { "pnpm-lock.yaml", PackageManager::pnpm },
    { "bun.lock", PackageManager::bun },
    { "bun.lockb", PackageManager::bun },
  } };
  for (const auto& [name, manager] : k_lockfiles) {
    if (is_file(dir / name)) {
      return Lockfile{ manager, std::string(name) };
    }
  }
  return std::nullopt;
}

bool
declares_workspaces(const fs::path& dir)
{
  if (is_file(dir / "pnpm-workspace.yaml")) {
    return true;
  }
  auto package = read_package(dir, "");
  if (!package) {
    return false;
  }
  const auto& manifest = *package;
  return manifest && manifest->contains("workspaces");
}

// The number after `key` on the first line that starts with it, e.g. "  version: 8".
std::optional<int>
number_after(std::string_view text, std::string_view key)
{
  const auto at = text.find(key);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  auto rest = text.substr(at + key.size());
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\'' || rest.front() == '"')) {
    rest.remove_prefix(1);
  }
  return major_version(rest);
}

// The yarn major version that wrote a berry lockfile (its __metadata version).
std::string
berry_version(std::string_view lockfile)
{
  const auto metadata = lockfile.find("__metadata:");
  const auto version = number_after(lockfile.substr(metadata), "version:");
  if (!version || *version >= 8) {
    return "4";
  }
  return *version >= 6 ? "3" : "2";
}

// The pnpm major version that reads a lockfile of this lockfileVersion (and the workspace
// file beside it).
std::string
pnpm_version(std::string_view lockfile, bool workspace_without_packages)
{
  const auto version = number_after(lockfile, "lockfileVersion:");
  if (!version || *version >= 9) {
    return workspace_without_packages ? "10" : "9";
  }
  if (*version >= 6) {
    return "8";
  }
  return lockfile.find("lockfileVersion: 5.4") != std::string_view::npos ? "7" : "6";
}

// The relative path of `dir` below `root`, '/'-separated, "" for root itself.
std::string
relative_to(const fs::path& dir, const fs::path& root)
{
  const auto text = dir.lexically_relative(root).generic_string();
  return text == "." ? std::string() : text;
}

// The first next.config file of the app's folder, as text; empty when there is none.
std::string
next_config(const fs::path& app)
{
  for (const auto* name :
       { "next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs" }) {
    if (is_file(app / name)) {
      return read_head(app / name, k_max_package_json_bytes);
    }
  }
  return {};
}

// The string value of `key` in a config file's text (`distDir: 'build'`); empty when the
// text does not say it plainly.
std::string
config_string(std::string_view text, std::string_view key)
{
  for (auto at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
    auto rest = text.substr(at + key.size());
    const auto colon = rest.find_first_not_of(" \t\"'");
    if (colon == std::string_view::npos || rest[colon] != ':') {
      continue;
    }
    rest.remove_prefix(colon + 1);
    const auto open = rest.find_first_not_of(" \t\n");
    if (open == std::string_view::npos ||
        (rest[open] != '\'' && rest[open] != '"' && rest[open] != '`')) {
      continue;
    }
    const auto close = rest.find(rest[open], open + 1);
    if (close != std::string_view::npos) {
      return std::string(rest.substr(open + 1, close - open - 1));
    }
  }
  return {};
}

// Next.js: only a static export can be served; where it goes.
util::Result<void>
plan_next(BuildPlan& plan, const json::object& package, const fs::path& app)
{
  plan.framework = "nextjs";
  const auto* build = script(package, "build");
  if (build != nullptr && std::string_view(*build).find("next export") != std::string_view::npos) {
    plan.output_dirs = { "out" };
    return {};
  }
  const auto config = next_config(app);
  if (config_string(config, "output") != "export") {
    return util::fail_user(
      "This is a Next.js app that builds a server, and Reactor serves static files: add "
      "output: 'export' to the config in next.config.js (or .mjs/.ts), e.g. "
      "`const nextConfig = { output: 'export' }`, so that \"next build\" writes the site "
      "to out/");
  }
  const auto dist = config_string(config, "distDir");
  plan.output_dirs = { dist.empty() ? std::string("out") : dist };
  return {};
}

util::Result<void>
plan_framework(BuildPlan& plan, const json::object& package, int node_major, const fs::path& app)
{
  if (has_dependency(package, "react-scripts")) {
    plan.framework = "create-react-app";
    plan.output_dirs = { "build" };
    plan.build_env = { "CI=false", "PUBLIC_URL=/" };
    const auto* version = dependency_version(package, "react-scripts");
    const auto major = version != nullptr ? major_version(*version) : std::nullopt;
    if ((!major || *major < 5) && node_major >= 17) {
      plan.build_env.emplace_back("NODE_OPTIONS=--openssl-legacy-provider");
      plan.notes.emplace_back(
        "react-scripts " + (major ? std::to_string(*major) : "?") +
        " runs webpack 4: building with NODE_OPTIONS=--openssl-legacy-provider "
        "for Node.js " +
        std::to_string(node_major));
    }
    const auto* homepage = package.if_contains("homepage");
    if (homepage != nullptr && homepage->is_string() && homepage->get_string() != "." &&
        homepage->get_string() != "/" && !homepage->get_string().empty()) {
      plan.notes.emplace_back("\"homepage\" (" + std::string(homepage->get_string()) +
                              ") is not used as the base path: the site is served at the root "
                              "of its own address (PUBLIC_URL=/)");
    }
  } else if (has_dependency(package, "next")) {
    return plan_next(plan, package, app);
  } else if (has_dependency(package, "@react-router/dev") ||
             has_dependency(package, "@remix-run/dev")) {
    // SPA mode (ssr: false) writes the site to build/client.
    plan.framework = has_dependency(package, "@react-router/dev") ? "react-router" : "remix";
    plan.output_dirs = { "build/client" };
  } else if (has_dependency(package, "gatsby")) {
    plan.framework = "gatsby";
    plan.output_dirs = { "public" };
  } else if (has_dependency(package, "@docusaurus/core")) {
    plan.framework = "docusaurus";
    plan.output_dirs = { "build" };
  } else if (has_dependency(package, "astro")) {
    plan.framework = "astro";
    plan.output_dirs = { "dist" };
  } else if (has_dependency(package, "vite")) {
    plan.framework = "vite";
    plan.output_dirs = { "dist" };
  } else {
    plan.framework = "other";
    plan.output_dirs = { "dist", "build", "out" };
  }
  return {};
}

void
plan_commands(BuildPlan& plan, bool locked, bool has_build_script)
{
  const auto tool = [&](std::string_view name) {
    return plan.package_manager_version.empty()
             ? std::string(name)
             : std::string(name) + "@" + plan.package_manager_version;
  };
  switch (plan.package_manager) {
    case PackageManager::npm:
      plan.install_command = { "npm", locked ? "ci" : "install" };
      plan.build_command = { "npm", "run", "build" };
      break;
    case PackageManager::yarn:
      plan.setup_command = { "corepack", tool("yarn"), "--version" };
      plan.install_command = { "corepack", tool("yarn"), "install" };
      if (locked) {
        plan.install_command.emplace_back(plan.yarn_berry ? "--immutable" : "--frozen-lockfile");
      }
      plan.build_command = { "corepack", tool("yarn"), "run", "build" };
      break;
    case PackageManager::pnpm:
      plan.setup_command = { "corepack", tool("pnpm"), "--version" };
      plan.install_command = { "corepack", tool("pnpm"), "install" };
      if (locked) {
        plan.install_command.emplace_back("--frozen-lockfile");
      }
      plan.build_command = { "corepack", tool("pnpm"), "run", "build" };
      break;
    case PackageManager::bun: {
      const auto bun = std::string(k_bun_prefix) + "/bin/bun";
      plan.setup_command = {
        "npm",        "install",   "--global", "--prefix", std::string(k_bun_prefix),
        "--no-audit", "--no-fund", tool("bun")
      };
      plan.install_command = { bun, "install" };
      if (locked) {
        plan.install_command.emplace_back("--frozen-lockfile");
      }
      plan.build_command = { bun, "run", "build" };
      break;
    }
  }
  if (!has_build_script) {
    plan.build_command.clear();
  }
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

util::Result<BuildPlan>
detect_build(const fs::path& checkout,
             std::string_view app_dir,
             int node_major,
             std::string_view package_manager)
{
  auto app = directory_inside(checkout, app_dir);
  if (!app) {
    return util::fail_user("rootDir " + app.error().message +
                           ": set rootDir to the folder that holds "
                           "the app's package.json");
  }
  BuildPlan plan;
  plan.app_dir = relative_to(*app, checkout);
  auto package = read_package(*app, plan.app_dir);
  if (!package) {
    return std::unexpected(std::move(package.error()));
  }
  const auto& app_package = *package;
  if (!app_package) {
    plan.framework = "none";
    plan.install_dir = plan.app_dir;
    plan.output_dirs = { "dist", "build", "out" };
    return plan;
  }
  const json::object& app_manifest = *app_package;
  if (auto framework = plan_framework(plan, app_manifest, node_major, *app); !framework) {
    return std::unexpected(std::move(framework.error()));
  }

  fs::path install = *app;
  auto lockfile = find_lockfile(install);
  for (auto dir = *app; !lockfile && dir != checkout && dir.has_parent_path();) {
    dir = dir.parent_path();
    if (declares_workspaces(dir)) {
      install = dir;
      lockfile = find_lockfile(dir);
      break;
    }
  }
  plan.install_dir = relative_to(install, checkout);
  std::optional<json::object> root_manifest;
  if (install != *app) {
    auto root_package = read_package(install, plan.install_dir);
    if (!root_package) {
      return std::unexpected(std::move(root_package.error()));
    }
    root_manifest = std::move(*root_package);
  }
  const json::object no_manifest;
  const json::object& manifest =
    install == *app ? app_manifest : (root_manifest ? *root_manifest : no_manifest);
  auto field =
    package_manager.empty() ? manager_from_field(manifest) : parse_manager(package_manager);
  if (!field) {
    field = manager_from_field(app_manifest);
  }
  if (!package_manager.empty() && lockfile && field && field->manager != lockfile->manager) {
    plan.notes.push_back("packageManager " + std::string(package_manager) + " does not read " +
                         lockfile->name + ": installing without a lockfile");
    lockfile.reset();
  }

  if (lockfile) {
    plan.package_manager = lockfile->manager;
    plan.lockfile =
      plan.install_dir.empty() ? lockfile->name : plan.install_dir + "/" + lockfile->name;
  } else if (field) {
    plan.package_manager = field->manager;
  }
  if (field && field->manager == plan.package_manager &&
      plan.package_manager != PackageManager::npm) {
    plan.package_manager_version = field->version;
  }
  const auto head = lockfile ? read_head(install / lockfile->name, k_lockfile_head_bytes) : "";
  if (plan.package_manager == PackageManager::yarn && lockfile) {
    plan.yarn_berry = head.find("__metadata:") != std::string::npos;
    if (plan.yarn_berry && plan.package_manager_version.empty() &&
        read_head(install / ".yarnrc.yml", k_lockfile_head_bytes).find("yarnPath:") ==
          std::string::npos) {
      plan.package_manager_version = berry_version(head);
    }
  } else if (plan.package_manager == PackageManager::yarn) {
    plan.yarn_berry = major_version(plan.package_manager_version).value_or(1) >= 2;
  }
  if (plan.package_manager == PackageManager::pnpm && lockfile &&
      plan.package_manager_version.empty()) {
    plan.package_manager_version = pnpm_version(head, workspace_without_packages(install));
  }
  if (plan.package_manager == PackageManager::bun) {
    plan.env.push_back("PATH=" + std::string(k_bun_prefix) + "/bin:/usr/local/bin:/usr/bin:/bin");
  }
  plan_commands(plan, lockfile.has_value(), script(app_manifest, "build") != nullptr);
  plan.lifecycle_scripts = lifecycle_scripts(manifest);
  return plan;
}

void
pin_package_manager(BuildPlan& plan, const std::string& version)
{
  const std::string name(to_string(plan.package_manager));
  const auto asked =
    plan.package_manager_version.empty() ? name : name + "@" + plan.package_manager_version;
  std::string pinned = name;
  pinned += '@';
  pinned += version;
  for (auto* command : { &plan.install_command, &plan.build_command }) {
    if (command->size() > 1 && (*command)[0] == "corepack" && (*command)[1] == asked) {
      (*command)[1] = pinned;
    }
  }
  plan.package_manager_version = version;
  plan.setup_command.clear();
}

std::vector<std::string>
install_scripts(const fs::path& package_json)
{
  auto package = read_package(package_json.parent_path(), "");
  if (!package) {
    return {};
  }
  const auto& manifest = *package;
  if (!manifest) {
    return {};
  }
  return lifecycle_scripts(*manifest);
}

} // namespace reactor::builder
