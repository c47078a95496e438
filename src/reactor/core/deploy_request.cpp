#include "reactor/core/deploy_request.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/core/repo_url.hpp"

#include <boost/json/parse.hpp>

namespace reactor::core {

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
