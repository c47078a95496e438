#include "reactor/core/project_request.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/core/repo_url.hpp"

#include <boost/json/parse.hpp>

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

} // namespace

util::Result<Project>
parse_project_request(std::string_view body, bool allow_local_repos)
{
  constexpr std::string_view k_example = R"({"name": "shop", "repoUrl": "https://…"})";
  auto object = body_object(body, k_example, false);
  if (!object) {
    return std::unexpected(object.error());
  }
  if (auto known =
        check_fields(*object, { "name", "repoUrl", "productionBranch", "autoPromote" }, true);
      !known) {
    return std::unexpected(known.error());
  }
  Project project;
  auto name = string_field(*object, "name");
  auto repo = string_field(*object, "repoUrl");
  auto branch = string_field(*object, "productionBranch");
  for (const auto* field : { &name, &repo, &branch }) {
    if (!*field) {
      return std::unexpected(field->error());
    }
  }
  if (name->empty()) {
    return util::fail("name is missing: send " + std::string(k_example));
  }
  if (repo->empty()) {
    return util::fail("repoUrl is missing: send " + std::string(k_example));
  }
  auto url = validate_repo_url(*repo, allow_local_repos);
  if (!url) {
    return std::unexpected(url.error());
  }
  if (!branch->empty()) {
    auto valid = validate_ref(*branch);
    if (!valid) {
      return util::fail("productionBranch: " + valid.error().message);
    }
    branch = std::move(*valid);
  }
  if (const auto* promote = object->if_contains("autoPromote"); promote != nullptr) {
    if (!promote->is_bool()) {
      return util::fail("autoPromote must be true or false");
    }
    project.auto_promote = promote->get_bool();
  }
  auto settings = parse_build_settings(*object);
  if (!settings) {
    return std::unexpected(settings.error());
  }
  project.name = std::move(*name);
  project.repo_url = std::move(*url);
  project.production_branch = std::move(*branch);
  project.settings = std::move(*settings);
  return project;
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
