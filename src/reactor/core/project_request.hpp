#pragma once

#include "reactor/core/project.hpp"
#include "reactor/util/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::core {

// The secrets a request sets, which the caller hashes before storing them.
struct ProjectSecrets
{
  std::optional<std::string> password; // "" removes the password
  bool new_bypass_token = false;       // a new bypass token replaces the old one
};

// A project as a request leaves it, and the secrets it sets.
struct ProjectUpdate
{
  Project project;
  ProjectSecrets secrets;
};

// Parses POST /projects's body: {"name", "repoUrl", "productionBranch"?, "autoPromote"?,
// "protection"?, "password"?, "newBypassToken"?, "skewWindowDays"?,
// "skewMaxDeployments"?, "deployTags"?, "buildForkPullRequests"?, and the build settings}. A
// malformed body or field is a plain error (400); a well-formed value that cannot be used a user
// error (422) that says what to send; the name is not checked here (check_project_name: 422).
util::Result<ProjectUpdate> parse_project_request(std::string_view body, bool allow_local_repos);

// Parses PATCH /projects/<name>'s body onto `current`: the same fields as creation but
// the name, each one present replacing the stored one (a build setting sent as null
// goes back to its default). Fails as parse_project_request does.
util::Result<ProjectUpdate> parse_project_patch(const Project& current,
                                                std::string_view body,
                                                bool allow_local_repos);

// Parses POST /projects/<name>/deployments's body: {"ref"?}; "" for the production branch.
util::Result<std::string> parse_project_deploy_request(std::string_view body);

// POST /projects/<name>/domains's body: {"domain"}, the domain as sent (400 for another
// shape; core::check_custom_domain says whether it can be one).
util::Result<std::string> parse_domain_request(std::string_view body);

// POST /projects/<name>/deploy-hooks's body: {"name", "branch"?} ("" for the production
// branch), checked (400 with what to fix).
struct DeployHookRequest
{
  std::string name;
  std::string branch;
};
util::Result<DeployHookRequest> parse_deploy_hook_request(std::string_view body);

// POST /projects/<name>/notifications's body: {"url", "events"?}: an http(s) URL Reactor
// may reach (loopback only when `allow_local`) and some of core::k_notification_events
// (none: all). Errors say what to fix (400).
struct NotificationRequest
{
  std::string url;
  std::vector<std::string> events;
};
util::Result<NotificationRequest> parse_notification_request(std::string_view body,
                                                             bool allow_local);

// Parses promote's and rollback's body: {"deploymentId"}; nullopt when it is absent (an
// empty body too) and `required` is false.
util::Result<std::optional<std::string>> parse_deployment_choice(std::string_view body,
                                                                 bool required);

} // namespace reactor::core
