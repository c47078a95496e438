#include "reactor/api/deployment_json.hpp"
#include "reactor/api/handlers.hpp"
#include "reactor/core/build_settings.hpp"
#include "reactor/core/project_request.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/password.hpp"
#include "reactor/util/text.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>

namespace reactor::api {

namespace {

constexpr int k_project_deployments = 100;

// Where the production alias points ("" for nowhere yet).
util::Result<std::string>
production_target(std::string_view project, ApiContext& context)
{
  auto target = context.store.resolve_alias(project);
  if (!target) {
    return std::unexpected(target.error());
  }
  return target->value_or("");
}

boost::json::object
project_json(const core::Project& project,
             const std::vector<store::Alias>& aliases,
             const std::vector<core::EnvVariable>& variables,
             const ApiContext& context)
{
  boost::json::array hostnames;
  boost::json::value production = nullptr;
  for (const auto& alias : aliases) {
    hostnames.push_back(boost::json::object{
      { "label", alias.label },
      { "url", site_url(context.site_url_template, alias.label) },
      { "branch",
        alias.branch.empty() ? boost::json::value(nullptr) : boost::json::value(alias.branch) },
      { "deploymentId", alias.deployment_id } });
    if (alias.label == project.name) {
      production = boost::json::value(alias.deployment_id);
    }
  }
  boost::json::object settings = core::build_settings_json(project.settings);
  if (auto* env = settings.if_contains("env"); env != nullptr) {
    boost::json::array names; // values never leave the server once saved
    for (const auto& [name, value] : project.settings.env) {
      names.emplace_back(name);
    }
    *env = std::move(names);
  }
  return boost::json::object{
    { "name", project.name },
    { "repoUrl", project.repo_url },
    { "productionBranch",
      project.production_branch.empty() ? boost::json::value(nullptr)
                                        : boost::json::value(project.production_branch) },
    { "autoPromote", project.auto_promote },
    { "settings", std::move(settings) },
    { "protection", core::to_string(project.protection) },
    { "passwordSet", !project.password_hash.empty() },
    { "bypassTokenSet", !project.bypass_hash.empty() },
    { "skewWindowDays", project.skew_window_days },
    { "skewMaxDeployments", project.skew_max_deployments },
    { "deployTags", project.deploy_tags },
    { "buildForkPullRequests", project.build_fork_pull_requests },
    { "url", site_url(context.site_url_template, project.name) },
    { "productionDeploymentId", std::move(production) },
    { "aliases", std::move(hostnames) },
    { "env", env_json(variables) },
    { "createdAt", util::iso8601(project.created_at_ms) },
  };
}

// The project's JSON, with the secrets just made (a bypass token, a webhook secret) in
// `shown_once`: the only time they are shown.
net::Response
project_response(unsigned status,
                 const core::Project& project,
                 ApiContext& context,
                 const boost::json::object& shown_once = {})
{
  auto aliases = context.store.project_aliases(project.name);
  if (!aliases) {
    return store_failure(aliases.error());
  }
  auto env = context.store.project_env(project.name);
  if (!env) {
    return store_failure(env.error());
  }
  auto json = project_json(project, *aliases, *env, context);
  for (const auto& [key, value] : shown_once) {
    json[key] = value;
  }
  return net::json_response(status, boost::json::serialize(json));
}

// Hashes the secrets a request sets into its project; returns the new bypass token, if
// one was asked for (the only time it is shown).
std::optional<std::string>
store_secrets(core::ProjectUpdate& update)
{
  if (const auto& password = update.secrets.password) {
    update.project.password_hash = password->empty() ? "" : util::hash_password(*password);
  }
  if (!update.secrets.new_bypass_token) {
    return std::nullopt;
  }
  auto token = util::new_token();
  update.project.bypass_hash = util::token_hash(token);
  return token;
}

// A request's bad field: 422 for a value the user must change, 400 for a malformed one.
net::Response
bad_field(const util::Error& error)
{
  return net::json_error(error.fault == util::Fault::user ? 422 : 400, error.message);
}

// Points production at `target` while it still points at `expected`; `rollback` turns
// automatic promotion off (a rollback sticks until the next promote).
net::Response
move_production(const core::Project& project,
                const std::string& target,
                const std::string& expected,
                bool rollback,
                ApiContext& context)
{
  auto found = context.store.find_deployment(target);
  if (!found) {
    return store_failure(found.error());
  }
  const auto& deployment = *found;
  if (!deployment) {
    return unknown_deployment(target);
  }
  if (deployment->project != project.name) {
    return net::json_error(
      422, "Deployment " + target + " is not a deployment of project " + project.name);
  }
  if (deployment->status != core::Status::deployed) {
    return net::json_error(422,
                           "Deployment " + target + " is " +
                             std::string(core::to_string(deployment->status)) +
                             ": only a DEPLOYED deployment can serve production");
  }
  auto moved = context.store.set_production(project.name, target, expected, !rollback);
  if (!moved) {
    return store_failure(moved.error());
  }
  if (!*moved) {
    return net::json_error(409,
                           "Production of " + project.name +
                             " changed meanwhile: look at the project again and retry");
  }
  util::log::info(rollback ? "project.rolled_back" : "project.promoted",
                  { { "project", project.name }, { "id", target }, { "previous", expected } });
  notify(rollback ? "deployment.rolled_back" : "deployment.promoted", *deployment, context);
  auto updated = find_project(project.name, context);
  return updated ? project_response(200, *updated, context) : std::move(updated.error());
}

// What a promote or a rollback starts from: the project, the deployment the request names
// (required for a promote) and the one production serves now ("" when none).
struct ProductionMove
{
  core::Project project;
  std::optional<std::string> target;
  std::string current;
};

std::expected<ProductionMove, net::Response>
read_production_move(std::string_view name,
                     const net::Request& request,
                     bool target_required,
                     ApiContext& context)
{
  auto project = find_project(name, context);
  if (!project) {
    return std::unexpected(std::move(project.error()));
  }
  auto choice = core::parse_deployment_choice(request.body, target_required);
  if (!choice) {
    return std::unexpected(net::json_error(400, choice.error().message));
  }
  auto current = production_target(name, context);
  if (!current) {
    return std::unexpected(store_failure(current.error()));
  }
  return ProductionMove{ .project = std::move(*project),
                         .target = std::move(*choice),
                         .current = std::move(*current) };
}

} // namespace

std::expected<core::Project, net::Response>
find_project(std::string_view name, ApiContext& context)
{
  auto found = context.store.find_project(name);
  if (!found) {
    return std::unexpected(store_failure(found.error()));
  }
  auto& project = *found;
  if (!project) {
    return std::unexpected(unknown_project(name));
  }
  return std::move(*project);
}

net::Response
create_project(const net::Request& request, ApiContext& context)
{
  auto update = core::parse_project_request(request.body, context.allow_local_repos);
  if (!update) {
    return bad_field(update.error());
  }
  if (auto named = core::check_project_name(update->project.name); !named) {
    return net::json_error(422, named.error().message);
  }
  const auto token = store_secrets(*update);
  core::Project& project = update->project;
  if (project.production_branch.empty() && context.default_branch) {
    auto branch = context.default_branch(project.repo_url);
    if (!branch) {
      return net::json_error(422,
                             "Cannot read the default branch of " + project.repo_url + ": " +
                               branch.error().message +
                               " (or name the branch to deploy to production: productionBranch)");
    }
    project.production_branch = std::move(*branch);
  }
  project.created_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  auto created = context.store.create_project(project);
  if (!created) {
    return store_failure(created.error());
  }
  if (!*created) {
    return net::json_error(409, "A project named '" + project.name + "' exists already");
  }
  util::log::info("project.created", { { "project", project.name }, { "repo", project.repo_url } });
  boost::json::object shown_once;
  if (token) {
    shown_once["bypassToken"] = *token;
  }
  // Without a secrets key the project has no webhook secret until one is rotated in.
  if (auto secret = new_webhook_secret(project.name, context)) {
    shown_once["webhookSecret"] = *secret;
  }
  return project_response(201, project, context, shown_once);
}

net::Response
list_projects(ApiContext& context)
{
  auto projects = context.store.list_projects();
  if (!projects) {
    return store_failure(projects.error());
  }
  boost::json::array items;
  for (const auto& project : *projects) {
    auto aliases = context.store.project_aliases(project.name);
    if (!aliases) {
      return store_failure(aliases.error());
    }
    auto env = context.store.project_env(project.name);
    if (!env) {
      return store_failure(env.error());
    }
    items.push_back(project_json(project, *aliases, *env, context));
  }
  return net::json_response(
    200, boost::json::serialize(boost::json::object{ { "projects", std::move(items) } }));
}

net::Response
get_project(std::string_view name, ApiContext& context)
{
  auto project = find_project(name, context);
  return project ? project_response(200, *project, context) : std::move(project.error());
}

net::Response
update_project(std::string_view name, const net::Request& request, ApiContext& context)
{
  auto project = find_project(name, context);
  if (!project) {
    return std::move(project.error());
  }
  auto update = core::parse_project_patch(*project, request.body, context.allow_local_repos);
  if (!update) {
    return bad_field(update.error());
  }
  const auto token = store_secrets(*update);
  auto updated = context.store.update_project(*project, update->project);
  if (!updated) {
    return store_failure(updated.error());
  }
  if (*updated == store::ProjectUpdate::missing) {
    return unknown_project(name);
  }
  if (*updated == store::ProjectUpdate::changed) {
    return net::json_error(409,
                           "Project " + std::string(name) +
                             " changed meanwhile: read it again and resend the change");
  }
  util::log::info("project.updated",
                  { { "project", name },
                    { "protection", core::to_string(update->project.protection) },
                    { "new_bypass_token", token.has_value() } });
  boost::json::object shown_once;
  if (token) {
    shown_once["bypassToken"] = *token;
  }
  return project_response(200, update->project, context, shown_once);
}

net::Response
delete_project(std::string_view name, ApiContext& context)
{
  auto outcome = context.store.delete_project(name);
  if (!outcome) {
    return store_failure(outcome.error());
  }
  if (*outcome == store::DeleteOutcome::unknown) {
    return unknown_project(name);
  }
  if (*outcome != store::DeleteOutcome::deleted) {
    return net::json_error(409,
                           "Project " + std::string(name) +
                             " has a build queued or running: cancel it, or wait until it ends");
  }
  util::log::info("project.deleted", { { "project", name } });
  return net::json_response(200,
                            boost::json::serialize(boost::json::object{
                              { "name", std::string(name) }, { "deleted", true } }));
}

net::Response
deploy_project(std::string_view name, const net::Request& request, ApiContext& context)
{
  auto project = find_project(name, context);
  if (!project) {
    return std::move(project.error());
  }
  auto ref = core::parse_project_deploy_request(request.body);
  if (!ref) {
    return net::json_error(400, ref.error().message);
  }
  return build_project(*project, { .branch = *ref }, request, context);
}

util::Result<core::Deployment>
project_deployment(const core::Project& project, const BuildTarget& target, ApiContext& context)
{
  core::Deployment deployment;
  deployment.repo_url = project.repo_url;
  deployment.branch = target.branch.empty() ? project.production_branch : target.branch;
  deployment.ref = target.commit.empty() ? deployment.branch : target.commit;
  deployment.pull_request = target.pull_request;
  deployment.from_fork = target.from_fork;
  deployment.project = project.name;
  deployment.settings = project.settings; // a snapshot: a rollback serves what was built
  if (!target.from_fork) {                // a fork's code must not see the project's secrets
    auto variables = context.store.project_env(project.name);
    if (!variables) {
      return std::unexpected(variables.error());
    }
    deployment.env = core::variables_in_scope(
      *variables, core::is_production_deployment(project, deployment)); // a snapshot too
  }
  deployment.inputs_digest = core::inputs_digest(deployment);
  return deployment;
}

net::Response
build_project(const core::Project& project,
              const BuildTarget& target,
              const net::Request& request,
              ApiContext& context)
{
  auto deployment = project_deployment(project, target, context);
  if (!deployment) {
    return store_failure(deployment.error());
  }
  return enqueue_deployment(std::move(*deployment), request, context);
}

net::Response
list_project_deployments(std::string_view name, const net::Request& request, ApiContext& context)
{
  if (auto project = find_project(name, context); !project) {
    return std::move(project.error());
  }
  auto deployments = context.store.list_project_deployments(name, k_project_deployments);
  if (!deployments) {
    return store_failure(deployments.error());
  }
  const auto branch = request.query("branch");
  boost::json::array items;
  AliasLookup aliases(context);
  for (const auto& deployment : *deployments) {
    if (!branch || deployment.branch == *branch) {
      auto json = deployment_view(deployment, aliases, context);
      if (!json) {
        return store_failure(json.error());
      }
      items.push_back(std::move(*json));
    }
  }
  return net::json_response(
    200, boost::json::serialize(boost::json::object{ { "deployments", std::move(items) } }));
}

net::Response
promote(std::string_view name, const net::Request& request, ApiContext& context)
{
  auto move = read_production_move(name, request, true, context);
  if (!move) {
    return std::move(move.error());
  }
  return move_production(move->project, move->target.value_or(""), move->current, false, context);
}

net::Response
rollback(std::string_view name, const net::Request& request, ApiContext& context)
{
  auto move = read_production_move(name, request, false, context);
  if (!move) {
    return std::move(move.error());
  }
  const auto& project = move->project;
  const auto& current = move->current;
  if (current.empty()) {
    return net::json_error(422, "Project " + project.name + " has no production deployment yet");
  }
  if (const auto& target = move->target; target) {
    return move_production(project, *target, current, true, context);
  }
  // The newest DEPLOYED production build older than the one serving now.
  auto deployments = context.store.list_project_deployments(name, k_project_deployments);
  if (!deployments) {
    return store_failure(deployments.error());
  }
  const auto serving = std::ranges::find(*deployments, current, &core::Deployment::id);
  const auto previous =
    std::find_if(serving == deployments->end() ? deployments->end() : serving + 1,
                 deployments->end(),
                 [&](const core::Deployment& deployment) {
                   return deployment.status == core::Status::deployed &&
                          core::is_production_branch(project, deployment.branch);
                 });
  if (previous == deployments->end()) {
    return net::json_error(422,
                           "Project " + project.name +
                             " has no earlier DEPLOYED production deployment to roll back to");
  }
  return move_production(project, previous->id, current, true, context);
}

} // namespace reactor::api
