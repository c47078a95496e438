#pragma once

#include "reactor/core/project.hpp"
#include "reactor/util/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace reactor::core {

// Parses POST /projects's body: {"name", "repoUrl", "productionBranch"?, "autoPromote"?,
// and the build settings}. A malformed body or field is an infrastructure-free plain
// error (400); the name is not checked here (check_project_name: 422).
util::Result<Project> parse_project_request(std::string_view body, bool allow_local_repos);

// Parses POST /projects/<name>/deployments's body: {"ref"?}; "" for the production branch.
util::Result<std::string> parse_project_deploy_request(std::string_view body);

// Parses promote's and rollback's body: {"deploymentId"}; nullopt when it is absent (an
// empty body too) and `required` is false.
util::Result<std::optional<std::string>> parse_deployment_choice(std::string_view body,
                                                                 bool required);

} // namespace reactor::core
