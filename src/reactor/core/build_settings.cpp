#include "reactor/core/build_settings.hpp"

#include "reactor/core/node_version.hpp"
#include "reactor/util/semver.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace reactor::core {

namespace {

constexpr std::size_t k_max_path = 255;
constexpr std::size_t k_max_command = 2048;
constexpr std::size_t k_max_env_entries = 100;
constexpr std::size_t k_max_env_value = 8192;

// Variables the sandbox sets itself; a build may not replace them.
constexpr std::array<std::string_view, 6> k_reserved_env{ "PATH",    "HOME", "USER",
                                                          "LOGNAME", "PWD",  "SHELL" };

bool
is_env_name(std::string_view name)
{
  return !name.empty() && name.size() <= 128 && !(name[0] >= '0' && name[0] <= '9') &&
         std::ranges::all_of(name, [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_';
         });
}

// A relative path inside the repository: no "..", no absolute path, no odd characters.
util::Result<std::string>
relative_path(std::string_view field, std::string_view path)
{
  std::string_view trimmed = path;
  while (trimmed.starts_with("./")) {
    trimmed.remove_prefix(2);
  }
  while (trimmed.ends_with('/')) {
    trimmed.remove_suffix(1);
  }
  const bool bad_char = std::ranges::any_of(trimmed, [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f || c == '\\' || c == ':';
  });
  bool dot_dot = false;
  for (std::size_t start = 0; start <= trimmed.size();) {
    const auto end = std::min(trimmed.find('/', start), trimmed.size());
    const auto segment = trimmed.substr(start, end - start);
    dot_dot = dot_dot || segment == ".." || segment.empty() || segment == ".";
    start = end + 1;
  }
  if (trimmed.empty() || trimmed.size() > k_max_path || trimmed.starts_with('/') || bad_char ||
      dot_dot) {
    return util::fail(std::string(field) +
                      " must be a relative folder inside the repository, like " +
                      "\"apps/web\" (no \"..\", no leading \"/\")");
  }
  return std::string(trimmed);
}

util::Result<std::string>
optional_string(const boost::json::object& object, std::string_view field)
{
  const auto* value = object.if_contains(field);
  if (value == nullptr || value->is_null()) {
    return std::string();
  }
  if (!value->is_string()) {
    return util::fail(std::string(field) + " must be a string");
  }
  return std::string(value->get_string());
}

util::Result<std::string>
command(const boost::json::object& object, std::string_view field)
{
  auto text = optional_string(object, field);
  if (!text || text->empty()) {
    return text;
  }
  if (text->size() > k_max_command || text->find('\0') != std::string::npos) {
    return util::fail(std::string(field) + " must be a shell command of at most 2048 characters");
  }
  return text;
}

// "pnpm", "pnpm@10", "yarn@^4.1": a package manager Reactor runs, and a version or range.
util::Result<std::string>
package_manager(const boost::json::object& object)
{
  auto text = optional_string(object, "packageManager");
  if (!text || text->empty()) {
    return text;
  }
  const auto at = text->find('@');
  const auto name = std::string_view(*text).substr(0, at);
  if (name != "npm" && name != "yarn" && name != "pnpm" && name != "bun") {
    return util::fail("packageManager must name npm, yarn, pnpm or bun, like \"pnpm@10\", not '" +
                      *text + "'");
  }
  if (at != std::string::npos) {
    if (auto range = util::semver::parse_range(std::string_view(*text).substr(at + 1));
        !range || at + 1 == text->size()) {
      return util::fail("packageManager wants a version after '@', like \"pnpm@10.4.1\": " +
                        (range ? std::string("it is empty") : range.error().message));
    }
  }
  return text;
}

util::Result<std::string>
node_version(const boost::json::object& object)
{
  auto text = optional_string(object, "nodeVersion");
  if (!text || text->empty()) {
    return text;
  }
  if (auto parsed = parse_node_version(*text); !parsed) {
    return util::fail("nodeVersion '" + *text + "' is not a Node.js version or range, like " +
                      "\"18\", \"20.11.1\" or \"lts/*\": " + parsed.error().message);
  }
  return text;
}

util::Result<std::map<std::string, std::string>>
environment(const boost::json::object& object)
{
  std::map<std::string, std::string> env;
  const auto* value = object.if_contains("env");
  if (value == nullptr || value->is_null()) {
    return env;
  }
  const auto* entries = value->if_object();
  if (entries == nullptr) {
    return util::fail(R"(env must be an object of strings, like {"VITE_API_URL": "https://…"})");
  }
  if (entries->size() > k_max_env_entries) {
    return util::fail("env may hold at most 100 variables");
  }
  for (const auto& [key, entry] : *entries) {
    const std::string name(key);
    if (!is_env_name(name)) {
      return util::fail("env name '" + name +
                        "' is not a valid variable name (letters, digits, _)");
    }
    if (is_sandbox_env_name(name)) {
      return util::fail("env cannot set " + name + ": the sandbox sets it");
    }
    if (!entry.is_string()) {
      return util::fail("env value of " + name + " must be a string");
    }
    if (entry.get_string().size() > k_max_env_value ||
        entry.get_string().find('\0') != boost::json::string::npos) {
      return util::fail("env value of " + name + " must be text of at most 8192 characters");
    }
    env.emplace(name, std::string(entry.get_string()));
  }
  return env;
}

} // namespace

bool
is_sandbox_env_name(std::string_view name)
{
  return std::ranges::find(k_reserved_env, name) != k_reserved_env.end();
}

boost::json::object
build_settings_json(const BuildSettings& settings)
{
  boost::json::object object;
  const auto put = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) {
      object[key] = value;
    }
  };
  put("rootDir", settings.root_dir);
  put("installCommand", settings.install_command);
  put("buildCommand", settings.build_command);
  put("outputDir", settings.output_dir);
  put("packageManager", settings.package_manager);
  put("nodeVersion", settings.node_version);
  if (!settings.env.empty()) {
    boost::json::object env;
    for (const auto& [name, value] : settings.env) {
      env[name] = value;
    }
    object["env"] = std::move(env);
  }
  return object;
}

std::string
to_json(const BuildSettings& settings)
{
  return boost::json::serialize(build_settings_json(settings));
}

util::Result<BuildSettings>
parse_build_settings(const boost::json::object& object)
{
  BuildSettings settings;
  for (const auto& [field, target] : { std::pair{ "rootDir", &settings.root_dir },
                                       std::pair{ "outputDir", &settings.output_dir } }) {
    auto text = optional_string(object, field);
    if (!text) {
      return std::unexpected(text.error());
    }
    if (!text->empty()) {
      auto path = relative_path(field, *text);
      if (!path) {
        return std::unexpected(path.error());
      }
      *target = std::move(*path);
    }
  }
  for (const auto& [field, target] : { std::pair{ "installCommand", &settings.install_command },
                                       std::pair{ "buildCommand", &settings.build_command } }) {
    auto text = command(object, field);
    if (!text) {
      return std::unexpected(text.error());
    }
    *target = std::move(*text);
  }
  auto manager = package_manager(object);
  if (!manager) {
    return std::unexpected(manager.error());
  }
  settings.package_manager = std::move(*manager);
  auto node = node_version(object);
  if (!node) {
    return std::unexpected(node.error());
  }
  settings.node_version = std::move(*node);
  auto env = environment(object);
  if (!env) {
    return std::unexpected(env.error());
  }
  settings.env = std::move(*env);
  return settings;
}

util::Result<BuildSettings>
parse_build_settings(std::string_view json)
{
  boost::system::error_code ec;
  const auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) {
    return util::fail("build settings are not a JSON object");
  }
  return parse_build_settings(value.get_object());
}

} // namespace reactor::core
