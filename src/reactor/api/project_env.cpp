#include "reactor/core/project_env.hpp"

#include "reactor/api/deployment_json.hpp"
#include "reactor/api/handlers.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/secret_box.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>

namespace reactor::api {

namespace {

// What the API shows of a variable: never its value.
boost::json::object
variable_json(const core::EnvVariable& variable)
{
  return { { "name", variable.name },
           { "scopes", core::scopes_json(variable.scopes) },
           { "updatedAt", iso8601(variable.updated_at_ms) } };
}

} // namespace

boost::json::array
env_json(const std::vector<core::EnvVariable>& variables)
{
  boost::json::array list;
  for (const auto& variable : variables) {
    list.push_back(variable_json(variable));
  }
  return list;
}

net::Response
list_env(std::string_view project, ApiContext& context)
{
  if (auto found = find_project(project, context); !found) {
    return std::move(found.error());
  }
  auto variables = context.store.project_env(project);
  if (!variables) {
    return store_failure(variables.error());
  }
  return net::json_response(
    200, boost::json::serialize(boost::json::object{ { "env", env_json(*variables) } }));
}

net::Response
set_env(std::string_view project,
        std::string_view name,
        const net::Request& request,
        ApiContext& context)
{
  if (auto checked = core::check_env_name(name); !checked) {
    return net::json_error(400, checked.error().message);
  }
  auto parsed = core::parse_env_request(request.body);
  if (!parsed) {
    return net::json_error(400, parsed.error().message);
  }
  if (context.secrets_key == nullptr) {
    return net::json_error(503, "This server has no secrets key to seal variables with");
  }
  const core::EnvVariable variable{
    .name = std::string(name),
    .scopes = parsed->scopes,
    .sealed =
      util::seal(*context.secrets_key, parsed->value, core::env_associated_data(project, name)),
    .updated_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count()
  };
  auto written = context.store.set_env(project, variable);
  if (!written) {
    return store_failure(written.error());
  }
  if (*written == store::EnvWrite::unknown_project) {
    return unknown_project(project);
  }
  util::log::info(
    "project.env_set",
    { { "project", project }, { "name", name }, { "scopes", core::scopes_text(variable.scopes) } });
  return net::json_response(*written == store::EnvWrite::created ? 201 : 200,
                            boost::json::serialize(variable_json(variable)));
}

net::Response
delete_env(std::string_view project, std::string_view name, ApiContext& context)
{
  if (auto found = find_project(project, context); !found) {
    return std::move(found.error());
  }
  auto deleted = context.store.delete_env(project, name);
  if (!deleted) {
    return store_failure(deleted.error());
  }
  if (!*deleted) {
    return net::json_error(404,
                           "Project " + std::string(project) + " has no variable named '" +
                             std::string(name) + "'");
  }
  util::log::info("project.env_deleted", { { "project", project }, { "name", name } });
  net::Response response;
  response.status = 204;
  return response;
}

} // namespace reactor::api
