#include "reactor/api/deployment_json.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/util/text.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <cstdio>
#include <ctime>

namespace reactor::api {

namespace {

boost::json::value
string_or_null(const std::string& text)
{
  return text.empty() ? boost::json::value(nullptr) : boost::json::value(text);
}

// The worker's JSON object as stored; an unreadable one shows as empty.
boost::json::value
build_info_json(const std::string& text)
{
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  return ec || !value.is_object() ? boost::json::object{} : value;
}

// The build settings without the values of `env`: those never leave the server after
// they are submitted (they may hold keys), so only the names are shown.
boost::json::object
settings_json(const core::BuildSettings& settings)
{
  auto object = core::build_settings_json(settings);
  if (object.contains("env")) {
    boost::json::array names;
    for (const auto& [name, value] : settings.env) {
      names.emplace_back(name);
    }
    object["env"] = std::move(names);
  }
  return object;
}

// "1 build", "2 builds"
std::string
count_of(std::int64_t count, std::string_view one, std::string_view many)
{
  return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

} // namespace

std::string
queue_reason(const store::QueuePlace& place)
{
  const auto ahead = place.position - 1;
  std::string reason =
    "waiting for a free worker (" + count_of(place.running, "build", "builds") + " running";
  if (ahead > 0) {
    reason += ", " + count_of(ahead, "deployment", "deployments") + " ahead";
  }
  return reason + ")";
}

boost::json::object
deployment_json(const core::Deployment& deployment,
                std::string_view url_template,
                std::span<const store::Alias> aliases,
                const std::optional<store::QueuePlace>& queued)
{
  boost::json::array hostnames;
  for (const auto& alias : aliases) {
    if (alias.deployment_id == deployment.id) {
      hostnames.push_back(boost::json::object{ { "label", alias.label },
                                               { "url", site_url(url_template, alias.label) } });
    }
  }
  return boost::json::object{
    { "id", deployment.id },
    { "status", core::to_string(deployment.status) },
    { "phase", string_or_null(std::string(core::to_string(deployment.phase))) },
    { "error", string_or_null(deployment.error) },
    { "repoUrl", deployment.repo_url },
    { "ref", string_or_null(deployment.ref) },
    { "commit", string_or_null(deployment.commit) },
    { "project", string_or_null(deployment.project) },
    { "branch", string_or_null(deployment.branch) },
    { "pullRequest",
      deployment.pull_request > 0 ? boost::json::value(deployment.pull_request)
                                  : boost::json::value(nullptr) },
    { "fromFork", deployment.from_fork },
    { "settings", settings_json(deployment.settings) },
    { "build", build_info_json(deployment.build_info) },
    { "createdAt", util::iso8601(deployment.created_at_ms) },
    { "updatedAt", util::iso8601(deployment.updated_at_ms) },
    { "url", site_url(url_template, deployment.id) },
    { "aliases", std::move(hostnames) },
    { "queuePosition",
      queued ? boost::json::value(queued->position) : boost::json::value(nullptr) },
    { "queueReason",
      queued ? boost::json::value(queue_reason(*queued)) : boost::json::value(nullptr) },
  };
}

std::string
site_url(std::string_view url_template, std::string_view id)
{
  std::string url(url_template);
  if (const auto at = url.find("{id}"); at != std::string::npos) {
    url.replace(at, 4, id);
  }
  return url;
}

} // namespace reactor::api
