#include "reactor/builder/plan_settings.hpp"

#include <algorithm>

namespace reactor::builder {

namespace {

constexpr std::string_view k_node_options = "NODE_OPTIONS";

std::string_view
name_of(std::string_view entry)
{
  return entry.substr(0, entry.find('='));
}

std::string_view
value_of(std::string_view entry)
{
  const auto equals = entry.find('=');
  return equals == std::string_view::npos ? std::string_view{} : entry.substr(equals + 1);
}

std::vector<std::string>
shell(const std::string& command)
{
  return { "sh", "-c", command };
}

} // namespace

util::Result<BuildPlan>
apply_settings(BuildPlan plan, const core::BuildSettings& settings)
{
  if (!settings.install_command.empty()) {
    plan.install_command = shell(settings.install_command);
  }
  if (!settings.build_command.empty()) {
    plan.build_command = shell(settings.build_command);
  }
  if (!settings.output_dir.empty()) {
    plan.output_dirs = { settings.output_dir };
  }
  for (const auto& [name, value] : settings.env) {
    std::string entry = name + "=";
    const auto detected = std::ranges::find_if(
      plan.build_env, [&](const std::string& existing) { return name_of(existing) == name; });
    if (detected != plan.build_env.end()) {
      if (name == k_node_options && value.find(value_of(*detected)) == std::string::npos) {
        entry.append(value_of(*detected)).append(" ");
      }
      plan.build_env.erase(detected);
    }
    entry += value;
    std::erase_if(plan.env, [&](const std::string& existing) { return name_of(existing) == name; });
    plan.env.push_back(std::move(entry));
  }

  if (!plan.build_command.empty()) {
    return plan;
  }
  const auto where =
    plan.app_dir.empty() ? std::string("at the repository root") : "in " + plan.app_dir;
  if (plan.framework == "none") {
    return util::fail_user(
      "No package.json " + where +
      ": Reactor builds Node projects (Create React App, Vite, or anything with "
      "an \"npm run build\" script). Check the repository URL and rootDir, or "
      "set buildCommand.");
  }
  return util::fail_user(
    "package.json has no \"build\" script: add one, e.g. \"build\": \"vite build\" "
    "(Vite) or \"build\": \"react-scripts build\" (Create React App), or set "
    "buildCommand.");
}

std::string
display_command(const std::vector<std::string>& command)
{
  if (command.size() == 3 && command[0] == "sh" && command[1] == "-c") {
    return command[2];
  }
  std::string out;
  for (const auto& word : command) {
    if (!out.empty()) {
      out += ' ';
    }
    out += word;
  }
  return out;
}

} // namespace reactor::builder
