#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/util/error.hpp"

#include <boost/json/fwd.hpp>

#include <array>
#include <string>
#include <string_view>

namespace reactor::core {

// The fields of the settings in JSON, in the order the API documents them.
constexpr std::array<std::string_view, 7> k_build_setting_fields{
  "rootDir", "installCommand", "buildCommand", "outputDir", "packageManager", "nodeVersion", "env"
};

// True for a variable the build sandbox sets itself (PATH, HOME, …), which no setting may
// replace.
bool is_sandbox_env_name(std::string_view name);

// The settings as the JSON object the API and the stores use: k_build_setting_fields,
// empty fields omitted.
boost::json::object build_settings_json(const BuildSettings& settings);
std::string to_json(const BuildSettings& settings);

// Reads and validates settings from the fields of a JSON object (POST /deploy's body or
// a stored copy). The Error names the field and says what is wrong.
util::Result<BuildSettings> parse_build_settings(const boost::json::object& object);
util::Result<BuildSettings> parse_build_settings(std::string_view json);

} // namespace reactor::core
