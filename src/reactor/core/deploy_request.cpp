#include "reactor/core/deploy_request.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/core/repo_url.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace reactor::core {

namespace {

std::string
setting_names()
{
  std::string names;
  for (std::size_t i = 0; i < k_build_setting_fields.size(); ++i) {
    names += i + 1 == k_build_setting_fields.size() ? " and " : i == 0 ? "" : ", ";
    names += k_build_setting_fields[i];
  }
  return names;
}

} // namespace

util::Result<DeployRequest>
parse_deploy_request(std::string_view body, bool allow_local_repos)
{
  boost::system::error_code ec;
  const boost::json::value json = boost::json::parse(body, ec);
  if (ec) {
    return util::fail("The request body is not valid JSON (" + ec.message() +
                      "): send {\"repoUrl\": \"https://…\"}");
  }
  const auto* object = json.if_object();
  if (object == nullptr) {
    return util::fail("The request body must be a JSON object: {\"repoUrl\": \"https://…\"}");
  }
  for (const auto& [key, value] : *object) {
    if (key != "repoUrl" && key != "ref" &&
        std::ranges::find(k_build_setting_fields, std::string_view(key)) ==
          k_build_setting_fields.end()) {
      return util::fail("unknown field '" + std::string(key) + "': POST /deploy takes repoUrl, " +
                        "ref, " + setting_names());
    }
  }
  const auto* repo_url = object->if_contains("repoUrl");
  if (repo_url == nullptr || repo_url->is_null()) {
    return util::fail("repoUrl is missing: send {\"repoUrl\": \"https://…\"}");
  }
  if (!repo_url->is_string()) {
    return util::fail("repoUrl must be a string");
  }
  DeployRequest request;
  auto url = validate_repo_url(repo_url->get_string(), allow_local_repos);
  if (!url) {
    return std::unexpected(url.error());
  }
  request.repo_url = std::move(*url);

  if (const auto* ref = object->if_contains("ref"); ref != nullptr && !ref->is_null()) {
    if (!ref->is_string()) {
      return util::fail("ref must be a string: a branch, tag or commit");
    }
    auto valid_ref = validate_ref(ref->get_string());
    if (!valid_ref) {
      return std::unexpected(valid_ref.error());
    }
    request.ref = std::move(*valid_ref);
  }
  auto settings = parse_build_settings(*object);
  if (!settings) {
    return std::unexpected(settings.error());
  }
  request.settings = std::move(*settings);
  return request;
}

} // namespace reactor::core
