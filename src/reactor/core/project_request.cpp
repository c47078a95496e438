#include "reactor/core/project_request.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/core/deploy_hook.hpp"
#include "reactor/core/notification.hpp"
#include "reactor/core/repo_url.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <initializer_list>

namespace reactor::core {

namespace {

// The body as a JSON object, or an error that shows what to send; an empty body is {}
// when `empty_ok`.
util::Result<boost::json::object>
body_object(std::string_view body, std::string_view example, bool empty_ok)
{
  if (empty_ok && body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return boost::json::object{};
  }
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(body, ec);
  if (ec || !json.is_object()) {
    return util::fail("The request body must be a JSON object: " + std::string(example));
  }
  return std::move(json.get_object());
}

// Fails on a field that is none of `known` (nor, when `settings`, a build setting).
util::Result<void>
check_fields(const boost::json::object& object,
             std::initializer_list<std::string_view> known,
             bool settings)
{
  for (const auto& [key, value] : object) {
    const bool is_setting =
      settings && std::ranges::find(k_build_setting_fields, std::string_view(key)) !=
                    k_build_setting_fields.end();
    if (is_setting && key == "env") {
      // In a project's settings they would be stored in plain text.
      return util::fail("a project's variables are not a setting: set each one with PUT "
                        "/projects/<name>/env/<NAME>, which stores its value sealed");
    }
    if (!is_setting && std::ranges::find(known, std::string_view(key)) == known.end()) {
      std::string names;
      for (const auto name : known) {
        names += (names.empty() ? "" : ", ") + std::string(name);
      }
      return util::fail("unknown field '" + std::string(key) + "': this call takes " + names +
                        (settings ? " and the build settings" : ""));
    }
  }
  return {};
}

// A string field: "" when absent or null; an error when it is not a string.
util::Result<std::string>
string_field(const boost::json::object& object, std::string_view name)
{
  const auto* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) {
    return std::string{};
  }
  if (!value->is_string()) {
    return util::fail(std::string(name) + " must be a string");
  }
  return std::string(value->get_string());
}

// The fields of POST /projects and PATCH /projects/<name> besides the build settings.
const std::initializer_list<std::string_view> k_project_fields = { "name",
                                                                   "repoUrl",
                                                                   "productionBranch",
                                                                   "autoPromote",
                                                                   "protection",
                                                                   "password",
                                                                   "newBypassToken",
                                                                   "skewWindowDays",
                                                                   "skewMaxDeployments",
                                                                   "deployTags",
                                                                   "buildForkPullRequests" };

constexpr std::size_t k_min_password = 8;
constexpr std::size_t k_max_password = 256;

// A boolean field, when present.
util::Result<std::optional<bool>>
bool_field(const boost::json::object& object, std::string_view name)
{
  const auto* value = object.if_contains(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_bool()) {
    return util::fail(std::string(name) + " must be true or false");
  }
  return value->get_bool();
}

// An integer field within [0, max], when present: a wrong type is a plain error (400), a
// number out of range the user's (422).
util::Result<std::optional<int>>
count_field(const boost::json::object& object, std::string_view name, int max)
{
  const auto* value = object.if_contains(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  const auto number = value->if_int64();
  if (number == nullptr) {
    return util::fail(std::string(name) + " must be a whole number");
  }
  if (*number < 0 || *number > max) {
    return util::fail_user(std::string(name) + " must be from 0 (off) to " + std::to_string(max));
  }
  return static_cast<int>(*number);
}

// The build settings with the request's setting fields over the current ones; a field
// sent as null goes back to its default.
util::Result<BuildSettings>
merged_settings(const BuildSettings& current, const boost::json::object& object)
{
  boost::json::object merged = build_settings_json(current);
  for (const auto field : k_build_setting_fields) {
    if (const auto* value = object.if_contains(field); value != nullptr) {
      if (value->is_null()) {
        merged.erase(field);
      } else {
        merged[field] = *value;
      }
    }
  }
  return parse_build_settings(merged);
}

// Checks and applies the fields present in `object` onto `update`.
util::Result<void>
apply_fields(const boost::json::object& object, bool allow_local_repos, ProjectUpdate& update)
{
  Project& project = update.project;
  if (object.contains("repoUrl")) {
    auto repo = string_field(object, "repoUrl");
    if (!repo) {
      return std::unexpected(repo.error());
    }
    auto url = validate_repo_url(*repo, allow_local_repos);
    if (!url) {
      return std::unexpected(url.error());
    }
    project.repo_url = std::move(*url);
  }
  if (object.contains("productionBranch")) {
    auto branch = string_field(object, "productionBranch");
    if (!branch) {
      return std::unexpected(branch.error());
    }
    if (!branch->empty()) {
      auto valid = validate_ref(*branch);
      if (!valid) {
        return util::fail("productionBranch: " + valid.error().message);
      }
      branch = std::move(*valid);
    }
    project.production_branch = std::move(*branch);
  }
  auto promote = bool_field(object, "autoPromote");
  auto rotate = bool_field(object, "newBypassToken");
  auto tags = bool_field(object, "deployTags");
  auto forks = bool_field(object, "buildForkPullRequests");
  for (const auto* field : { &promote, &rotate, &tags, &forks }) {
    if (!*field) {
      return std::unexpected(field->error());
    }
  }
  project.auto_promote = promote->value_or(project.auto_promote);
  project.deploy_tags = tags->value_or(project.deploy_tags);
  project.build_fork_pull_requests = forks->value_or(project.build_fork_pull_requests);
  update.secrets.new_bypass_token = rotate->value_or(false);
  if (object.contains("protection")) {
    auto text = string_field(object, "protection");
    if (!text) {
      return std::unexpected(text.error());
    }
    const auto protection = parse_protection(*text);
    if (!protection) {
      return util::fail_user(R"(protection must be "off", "previews" or "all")");
    }
    project.protection = *protection;
  }
  if (object.contains("password")) {
    auto password = string_field(object, "password");
    if (!password) {
      return std::unexpected(password.error());
    }
    if (!password->empty() &&
        (password->size() < k_min_password || password->size() > k_max_password)) {
      return util::fail_user("password must be 8 to 256 characters long");
    }
    update.secrets.password = std::move(*password);
  }
  auto window = count_field(object, "skewWindowDays", k_max_skew_window_days);
  auto count = count_field(object, "skewMaxDeployments", k_max_skew_deployments);
  for (const auto* field : { &window, &count }) {
    if (!*field) {
      return std::unexpected(field->error());
    }
  }
  project.skew_window_days = window->value_or(project.skew_window_days);
  project.skew_max_deployments = count->value_or(project.skew_max_deployments);
  auto settings = merged_settings(project.settings, object);
  if (!settings) {
    return std::unexpected(settings.error());
  }
  project.settings = std::move(*settings);
  const bool has_password =
    update.secrets.password ? !update.secrets.password->empty() : !project.password_hash.empty();
  if (project.protection != Protection::off && !has_password) {
    return util::fail_user("protection \"" + std::string(to_string(project.protection)) +
                           "\" needs a password: send \"password\" (8 to 256 characters)");
  }
  return {};
}

} // namespace

util::Result<ProjectUpdate>
parse_project_request(std::string_view body, bool allow_local_repos)
{
  constexpr std::string_view k_example = R"({"name": "shop", "repoUrl": "https://…"})";
  auto object = body_object(body, k_example, false);
  if (!object) {
    return std::unexpected(object.error());
  }
  if (auto known = check_fields(*object, k_project_fields, true); !known) {
    return std::unexpected(known.error());
  }
  auto name = string_field(*object, "name");
  if (!name) {
    return std::unexpected(name.error());
  }
  if (name->empty()) {
    return util::fail("name is missing: send " + std::string(k_example));
  }
  if (auto repo = string_field(*object, "repoUrl"); !repo || repo->empty()) {
    return repo ? util::fail("repoUrl is missing: send " + std::string(k_example))
                : std::unexpected(repo.error());
  }
  ProjectUpdate update;
  update.project.name = std::move(*name);
  if (auto applied = apply_fields(*object, allow_local_repos, update); !applied) {
    return std::unexpected(applied.error());
  }
  return update;
}

util::Result<ProjectUpdate>
parse_project_patch(const Project& current, std::string_view body, bool allow_local_repos)
{
  auto object = body_object(body, R"({"protection": "previews", "password": "…"})", false);
  if (!object) {
    return std::unexpected(object.error());
  }
  if (auto known = check_fields(*object, k_project_fields, true); !known) {
    return std::unexpected(known.error());
  }
  if (object->contains("name")) {
    return util::fail("name cannot change: create a project with the new name instead");
  }
  ProjectUpdate update{ .project = current, .secrets = {} };
  if (auto applied = apply_fields(*object, allow_local_repos, update); !applied) {
    return std::unexpected(applied.error());
  }
  return update;
}

util::Result<std::string>
parse_project_deploy_request(std::string_view body)
{
  auto object = body_object(body, R"({"ref": "main"})", true);
  if (!object) {
    return std::unexpected(object.error());
  }
  if (auto known = check_fields(*object, { "ref" }, false); !known) {
    return std::unexpected(known.error());
  }
  auto ref = string_field(*object, "ref");
  if (!ref || ref->empty()) {
    return ref;
  }
  return validate_ref(*ref);
}

util::Result<DeployHookRequest>
parse_deploy_hook_request(std::string_view body)
{
  auto object = body_object(body, R"({"name": "cms-publish", "branch": "main"})", false);
  if (!object) {
    return std::unexpected(object.error());
  }
  if (auto known = check_fields(*object, { "name", "branch" }, false); !known) {
    return std::unexpected(known.error());
  }
  auto name = string_field(*object, "name");
  if (!name) {
    return std::unexpected(name.error());
  }
  if (auto valid = check_deploy_hook_name(*name); !valid) {
    return std::unexpected(valid.error());
  }
  auto branch = string_field(*object, "branch");
  if (!branch) {
    return std::unexpected(branch.error());
  }
  if (!branch->empty()) {
    auto checked = validate_ref(*branch);
    if (!checked) {
      return util::fail("branch: " + checked.error().message);
    }
    branch = std::move(*checked);
  }
  return DeployHookRequest{ .name = std::move(*name), .branch = std::move(*branch) };
}

util::Result<std::string>
parse_domain_request(std::string_view body)
{
  auto object = body_object(body, R"({"domain": "www.example.com"})", false);
  if (!object) {
    return std::unexpected(object.error());
  }
  if (auto known = check_fields(*object, { "domain" }, false); !known) {
    return std::unexpected(known.error());
  }
  if (!object->contains("domain")) {
    return util::fail(R"(send {"domain": "www.example.com"})");
  }
  return string_field(*object, "domain");
}

util::Result<NotificationRequest>
parse_notification_request(std::string_view body, bool allow_local)
{
  auto object = body_object(
    body, R"({"url": "https://example.com/hooks/reactor", "events": ["deployment.ready"]})", false);
  if (!object) {
    return std::unexpected(object.error());
  }
  if (auto known = check_fields(*object, { "url", "events" }, false); !known) {
    return std::unexpected(known.error());
  }
  auto url = string_field(*object, "url");
  if (!url) {
    return std::unexpected(url.error());
  }
  const auto parsed = boost::urls::parse_absolute_uri(*url);
  if (url->size() > 2048 || !parsed ||
      (parsed->scheme() != "https" && parsed->scheme() != "http") || !parsed->has_authority() ||
      parsed->encoded_host().empty() || parsed->has_userinfo()) {
    return util::fail("url must be an http or https URL with a host and no credentials, such as "
                      "https://example.com/hooks/reactor");
  }
  if (auto host = check_url_host(*parsed, "url", allow_local); !host) {
    return std::unexpected(host.error());
  }
  NotificationRequest request{ .url = std::move(*url) };
  if (const auto* events = object->if_contains("events"); events != nullptr) {
    const auto* list = events->if_array();
    if (list == nullptr) {
      return util::fail("events must be a list of event names, such as [\"deployment.ready\"]");
    }
    for (const auto& event : *list) {
      const auto* name = event.if_string();
      if (name == nullptr || std::ranges::find(k_notification_events, std::string_view(*name)) ==
                               k_notification_events.end()) {
        std::string known_events;
        for (const auto known : k_notification_events) {
          known_events += (known_events.empty() ? "" : ", ") + std::string(known);
        }
        return util::fail("events: " + boost::json::serialize(event) +
                          " is not an event; use some of " + known_events);
      }
      if (std::ranges::find(request.events, std::string_view(*name)) == request.events.end()) {
        request.events.emplace_back(*name);
      }
    }
  }
  return request;
}

util::Result<std::optional<std::string>>
parse_deployment_choice(std::string_view body, bool required)
{
  constexpr std::string_view k_example = R"({"deploymentId": "<id>"})";
  auto object = body_object(body, k_example, !required);
  if (!object) {
    return std::unexpected(object.error());
  }
  if (auto known = check_fields(*object, { "deploymentId" }, false); !known) {
    return std::unexpected(known.error());
  }
  auto id = string_field(*object, "deploymentId");
  if (!id) {
    return std::unexpected(id.error());
  }
  if (id->empty()) {
    if (required) {
      return util::fail("deploymentId is missing: send " + std::string(k_example));
    }
    return std::nullopt;
  }
  return std::optional<std::string>(std::move(*id));
}

} // namespace reactor::core
