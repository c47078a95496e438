#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/core/project_env.hpp"
#include "reactor/util/error.hpp"
#include "reactor/util/secret_box.hpp"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder {

// What a deployment's install and build get besides its settings' env.
struct BuildEnvironment
{
  // The deployment's variables (Deployment::env), opened, and REACTOR_ENV, REACTOR_URL,
  // REACTOR_BRANCH_URL (a project's branch only), REACTOR_GIT_BRANCH (when known) and
  // REACTOR_GIT_COMMIT_SHA.
  std::map<std::string, std::string> variables;
  std::vector<std::string> names;   // the deployment's variables given, by name
  std::vector<std::string> secrets; // their values, which the build log masks
};

// The environment of `deployment` built at `commit` with `variables` (its snapshot). A
// `production` build is one of its project's production branch; any other, a deployment
// of no project (POST /deploy) too, is a preview. `site_url` maps a hostname label (a
// deployment id, a branch alias) to its URL. Fails, for good, when a variable does not
// open with `key` (or there is no key): the operator must restore the secrets key the
// variables were sealed with.
util::Result<BuildEnvironment> build_environment(
  const core::Deployment& deployment,
  bool production,
  const std::vector<core::EnvVariable>& variables,
  const util::SecretKey* key,
  std::string_view commit,
  const std::function<std::string(std::string_view label)>& site_url);

} // namespace reactor::builder
