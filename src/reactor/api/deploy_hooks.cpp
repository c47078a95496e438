#include "reactor/api/deployment_json.hpp"
#include "reactor/api/handlers.hpp"
#include "reactor/core/project_request.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/password.hpp"

#include <boost/json/serialize.hpp>

namespace reactor::api {

namespace {

// What the API shows of a hook: never its token, which only its creation answers.
boost::json::object
hook_json(const core::DeployHook& hook, const std::string& production_branch)
{
  return { { "name", hook.name },
           { "branch", hook.branch.empty() ? production_branch : hook.branch },
           { "createdAt", iso8601(hook.created_at_ms) } };
}

} // namespace

net::Response
create_deploy_hook(std::string_view project, const net::Request& request, ApiContext& context)
{
  auto parsed = core::parse_deploy_hook_request(request.body);
  if (!parsed) {
    return net::json_error(400, parsed.error().message);
  }
  auto owner = find_project(project, context);
  if (!owner) {
    return std::move(owner.error());
  }
  const auto token = util::new_token();
  core::DeployHook hook{ .project = std::string(project),
                         .name = parsed->name,
                         .branch = parsed->branch,
                         .token_hash = util::token_hash(token),
                         .created_at_ms = store::wall_clock_ms() };
  auto written = context.store.create_deploy_hook(hook);
  if (!written) {
    return store_failure(written.error());
  }
  if (*written == store::HookWrite::unknown_project) {
    return unknown_project(project);
  }
  if (*written == store::HookWrite::name_taken) {
    return net::json_error(409,
                           "Project " + std::string(project) + " has a deploy hook named '" +
                             hook.name + "' already: pick another name or remove that one");
  }
  util::log::info("deploy_hook.created",
                  { { "project", project }, { "name", hook.name }, { "branch", hook.branch } });
  auto json = hook_json(hook, owner->production_branch);
  json["token"] = token;
  json["path"] = "/deploy-hooks/" + token;
  return net::json_response(201, boost::json::serialize(json));
}

net::Response
list_deploy_hooks(std::string_view project, ApiContext& context)
{
  auto owner = find_project(project, context);
  if (!owner) {
    return std::move(owner.error());
  }
  auto hooks = context.store.project_deploy_hooks(project);
  if (!hooks) {
    return store_failure(hooks.error());
  }
  boost::json::array list;
  for (const auto& hook : *hooks) {
    list.push_back(hook_json(hook, owner->production_branch));
  }
  return net::json_response(
    200, boost::json::serialize(boost::json::object{ { "deployHooks", std::move(list) } }));
}

net::Response
delete_deploy_hook(std::string_view project, std::string_view name, ApiContext& context)
{
  auto deleted = context.store.delete_deploy_hook(project, name);
  if (!deleted) {
    return store_failure(deleted.error());
  }
  if (!*deleted) {
    return net::json_error(404,
                           "Project " + std::string(project) + " has no deploy hook named '" +
                             std::string(name) + "'");
  }
  util::log::info("deploy_hook.deleted", { { "project", project }, { "name", name } });
  net::Response response;
  response.status = 204;
  return response;
}

net::Response
run_deploy_hook(std::string_view token, const net::Request& request, ApiContext& context)
{
  // The token's hash is what is stored and looked up: no token is ever compared itself.
  auto found = context.store.find_deploy_hook(util::token_hash(token));
  if (!found) {
    return store_failure(found.error());
  }
  const auto& hook = *found;
  if (!hook) {
    return net::json_error(404, "No deploy hook has this URL: it was removed, or mistyped");
  }
  auto owner = find_project(hook->project, context);
  if (!owner) {
    return std::move(owner.error());
  }
  util::log::info(
    "deploy_hook.called",
    { { "project", hook->project }, { "name", hook->name }, { "client", request.remote_address } });
  return build_project(*owner, hook->branch, request, context);
}

} // namespace reactor::api
