#pragma once

#include "reactor/builder/detect.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/util/error.hpp"

namespace reactor::builder {

// The plan with the deployment's settings applied: installCommand and buildCommand replace
// the detected commands (each run as `sh -c <command>`), outputDir replaces the output
// folders, and env reaches every phase, replacing detected variables of the same name
// (NODE_OPTIONS is joined with a detected one instead). Fails, saying what to fix, when
// there is nothing to build.
util::Result<BuildPlan> apply_settings(BuildPlan plan, const core::BuildSettings& settings);

// The command as the log shows it: words joined by spaces, `sh -c` left out.
std::string display_command(const std::vector<std::string>& command);

} // namespace reactor::builder
