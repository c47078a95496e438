#include "reactor/builder/build_info.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace reactor::builder {

namespace {

std::int64_t&
duration_of(std::vector<std::pair<std::string, std::int64_t>>& durations, const std::string& phase)
{
  const auto it =
    std::ranges::find_if(durations, [&](const auto& entry) { return entry.first == phase; });
  return it != durations.end() ? it->second : durations.emplace_back(phase, 0).second;
}

} // namespace

void
BuildInfo::set_duration(const std::string& phase, std::int64_t ms)
{
  duration_of(durations_ms, phase) = ms;
}

void
BuildInfo::add_duration(const std::string& phase, std::int64_t ms)
{
  duration_of(durations_ms, phase) += ms;
}

std::string
to_json(const BuildInfo& info)
{
  boost::json::object object;
  const auto put = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) {
      object[key] = value;
    }
  };
  put("framework", info.framework);
  put("packageManager", info.package_manager);
  put("packageManagerVersion", info.package_manager_version);
  put("node", info.node_version);
  put("npm", info.npm_version);
  put("rootDir", info.root_dir);
  put("installCommand", info.install_command);
  put("buildCommand", info.build_command);
  put("outputDir", info.output_dir);
  put("dependencyCache", info.dependency_cache);
  put("buildCache", info.build_cache);
  put("reusedFrom", info.reused_from);
  if (!info.env.empty()) {
    object["env"] = boost::json::value_from(info.env);
  }
  boost::json::object durations;
  for (const auto& [phase, ms] : info.durations_ms) {
    durations[phase] = ms;
  }
  object["durationsMs"] = std::move(durations);
  return boost::json::serialize(object);
}

} // namespace reactor::builder
