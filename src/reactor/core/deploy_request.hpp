#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/util/error.hpp"

#include <string>
#include <string_view>

namespace reactor::core {

// What a client asks for in POST /deploy, validated.
struct DeployRequest
{
  std::string repo_url;
  std::string ref; // empty: the default branch
  BuildSettings settings;
};

// Parses and validates the JSON body of POST /deploy. The Error says which field is
// wrong and how.
util::Result<DeployRequest> parse_deploy_request(std::string_view body, bool allow_local_repos);

} // namespace reactor::core
