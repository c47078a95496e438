#include "reactor/builder/build_env.hpp"

#include "reactor/core/project.hpp"

namespace reactor::builder {

util::Result<BuildEnvironment>
build_environment(const core::Deployment& deployment,
                  bool production,
                  const std::vector<core::EnvVariable>& variables,
                  const util::SecretKey* key,
                  std::string_view commit,
                  const std::function<std::string(std::string_view label)>& site_url)
{
  const auto& project = deployment.project;
  BuildEnvironment environment;
  for (const auto& variable : variables) {
    if (key == nullptr) {
      return util::fail_for_good("deployment " + deployment.id + " has variables, but this " +
                                 "worker has no secrets key to open them");
    }
    auto value =
      util::open_sealed(*key, variable.sealed, core::env_associated_data(project, variable.name));
    if (!value) {
      return util::fail_for_good("variable " + variable.name + " of project " + project +
                                 " cannot be opened: " + value.error().message +
                                 " (give every node the same --secrets-key-file)");
    }
    environment.secrets.push_back(*value);
    environment.names.push_back(variable.name);
    environment.variables[variable.name] = std::move(*value);
  }
  auto& reactor = environment.variables;
  reactor["REACTOR_ENV"] = production ? "production" : "preview";
  if (site_url) {
    reactor["REACTOR_URL"] = site_url(deployment.id);
    if (!project.empty() && !deployment.branch.empty()) {
      reactor["REACTOR_BRANCH_URL"] = site_url(core::branch_label(project, deployment.branch));
    }
  }
  const auto& branch = project.empty() ? deployment.ref : deployment.branch;
  if (!branch.empty()) {
    reactor["REACTOR_GIT_BRANCH"] = branch;
  }
  reactor["REACTOR_GIT_COMMIT_SHA"] = std::string(commit);
  return environment;
}

} // namespace reactor::builder
