#include "reactor/cli/command_support.hpp"
#include "reactor/cli/format.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>

// The commands about projects: projects themselves, their variables, deploy hooks, Git
// webhooks and notification endpoints.
namespace reactor::cli {

int
create_project(const ClientOptions& client, const ProjectOptions& options)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  boost::json::object body{ { "name", options.name },
                            { "repoUrl", options.repo_url },
                            { "autoPromote", !options.no_auto_promote } };
  if (!options.production_branch.empty()) {
    body["productionBranch"] = options.production_branch;
  }
  auto reply = expect(client, api->post("/projects", boost::json::serialize(body)), 201);
  const auto project =
    reply ? parse_object(reply->body).value_or(boost::json::object{}) : boost::json::object{};
  std::string line =
    "Created project " + options.name + ": production will be served at " + text_of(project, "url");
  // The webhook secret is in this answer only (a server without a secrets key makes none).
  if (const auto secret = text_of(project, "webhookSecret"); !secret.empty()) {
    line += "\nIts Git webhook secret, shown only now (`reactor hooks show " + options.name +
            "` gives the payload URLs):\n  " + secret;
  }
  return acknowledge(client, reply, line);
}

int
list_projects(const ClientOptions& client)
{
  return print_list(client,
                    "/projects",
                    "projects",
                    "No projects yet: create one with `reactor project create`",
                    projects_table);
}

int
show_project(const ClientOptions& client, std::string_view name)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  return print_one(
    client, expect(client, api->get("/projects/" + std::string(name)), 200), project_fields);
}

int
remove_project(const ClientOptions& client, std::string_view name)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  return acknowledge(client,
                     expect(client, api->remove("/projects/" + std::string(name)), 200),
                     "Deleted project " + std::string(name));
}

util::Result<std::string>
project_patch_json(const ProjectChanges& changes)
{
  boost::json::object body;
  const auto put = [&body](std::string_view key, const std::optional<std::string>& value) {
    if (value) {
      body[key] = *value;
    }
  };
  put("protection", changes.protection);
  put("productionBranch", changes.production_branch);
  put("rootDir", changes.root_dir);
  put("installCommand", changes.install_command);
  put("buildCommand", changes.build_command);
  put("outputDir", changes.output_dir);
  put("packageManager", changes.package_manager);
  put("nodeVersion", changes.node_version);
  if (const auto& path = changes.password_file) {
    std::ifstream file(*path);
    std::string password;
    if (!file || !std::getline(file, password)) {
      return util::fail("cannot read the password from " + *path +
                        ": give a file whose first line is the password");
    }
    body["password"] = password;
  }
  if (changes.auto_promote) {
    body["autoPromote"] = *changes.auto_promote;
  }
  if (changes.deploy_tags) {
    body["deployTags"] = *changes.deploy_tags;
  }
  if (changes.build_fork_pull_requests) {
    body["buildForkPullRequests"] = *changes.build_fork_pull_requests;
  }
  if (changes.new_bypass_token) {
    body["newBypassToken"] = true;
  }
  if (changes.skew_window_days) {
    body["skewWindowDays"] = *changes.skew_window_days;
  }
  if (changes.skew_max_deployments) {
    body["skewMaxDeployments"] = *changes.skew_max_deployments;
  }
  if (body.empty()) {
    return util::fail("nothing to change: give at least one option (reactor project set --help)");
  }
  return boost::json::serialize(body);
}

int
set_project(const ClientOptions& client, const ProjectChanges& changes)
{
  auto body = project_patch_json(changes);
  if (!body) {
    return report(client, Failure{ k_exit_usage, body.error().message, {} });
  }
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto reply = expect(client, api->patch("/projects/" + changes.name, *body), 200);
  std::string line = "Updated project " + changes.name;
  if (reply) {
    if (const auto token =
          text_of(parse_object(reply->body).value_or(boost::json::object{}), "bypassToken");
        !token.empty()) {
      line += "\nBypass token (shown only now; send it as X-Reactor-Bypass): " + token;
    }
  }
  return acknowledge(client, reply, line);
}

std::string
env_request_json(const EnvOptions& options, std::string_view value)
{
  boost::json::object body{ { "value", value } };
  if (!options.scopes.empty()) {
    boost::json::array scopes;
    for (const auto& scope : options.scopes) {
      scopes.emplace_back(scope);
    }
    body["scopes"] = std::move(scopes);
  }
  return boost::json::serialize(body);
}

int
set_env(const ClientOptions& client, const EnvOptions& options)
{
  std::string value;
  if (options.value) {
    value = *options.value;
  } else if (::isatty(STDIN_FILENO) == 1) {
    return report(client,
                  Failure{ k_exit_usage,
                           "give the value with --value, or on stdin: printf %s \"$VALUE\" | "
                           "reactor env set " +
                             options.project + " " + options.name,
                           {} });
  } else {
    // Piped in (`printf %s "$TOKEN" | reactor env set …`), it stays out of the shell's
    // history and the process list; the one line end `echo` adds is not part of it.
    value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (value.ends_with('\n')) {
      value.pop_back();
      if (value.ends_with('\r')) {
        value.pop_back();
      }
    }
  }
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto sent = api->put("/projects/" + options.project + "/env/" + options.name,
                       env_request_json(options, value));
  const long answered = sent && sent->status == 201 ? 201 : 200;
  auto reply = expect(client, std::move(sent), answered);
  return acknowledge(client,
                     reply,
                     std::string(answered == 201 ? "Added " : "Changed ") + options.name +
                       " of project " + options.project + ": builds from now on get it");
}

int
list_env(const ClientOptions& client, std::string_view project)
{
  return print_list(client,
                    "/projects/" + std::string(project) + "/env",
                    "env",
                    "No variables yet: add one with `reactor env set`",
                    env_table);
}

int
remove_env(const ClientOptions& client, std::string_view project, std::string_view name)
{
  return remove_of_project(client, project, "env", name);
}

int
add_domain(const ClientOptions& client, std::string_view project, std::string_view domain)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  const boost::json::object body{ { "domain", domain } };
  auto added = expect_object(
    client,
    api->post("/projects/" + std::string(project) + "/domains", boost::json::serialize(body)),
    202);
  if (!added) {
    return report(client, added.error());
  }
  if (client.json) {
    print_json(boost::json::serialize(*added));
    return k_exit_ok;
  }
  std::cout << "Domain " << text_of(*added, "domain") << " of project " << project
            << " is served once its DNS has\n"
            << domain_records(*added) << "Reactor checks every few seconds: `reactor domains ls "
            << project << "` shows where it stands.\n";
  return k_exit_ok;
}

int
list_domains(const ClientOptions& client, std::string_view project)
{
  return print_list(client,
                    "/projects/" + std::string(project) + "/domains",
                    "domains",
                    "No custom domains yet: add one with `reactor domains add`",
                    domains_table);
}

int
remove_domain(const ClientOptions& client, std::string_view project, std::string_view domain)
{
  return remove_of_project(client, project, "domains", domain);
}

int
create_deploy_hook(const ClientOptions& client, const DeployHookOptions& options)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  boost::json::object body{ { "name", options.name } };
  if (!options.branch.empty()) {
    body["branch"] = options.branch;
  }
  auto hook = expect_object(
    client,
    api->post("/projects/" + options.project + "/deploy-hooks", boost::json::serialize(body)),
    201);
  if (!hook) {
    return report(client, hook.error());
  }
  if (client.json) {
    print_json(boost::json::serialize(*hook));
    return k_exit_ok;
  }
  std::cout << "Deploy hook " << options.name << " of project " << options.project << " builds "
            << text_of(*hook, "branch") << " on every\n  POST " << client.server
            << text_of(*hook, "path")
            << "\nKeep this URL secret: it is shown only now (remove the hook to revoke it).\n";
  return k_exit_ok;
}

int
list_deploy_hooks(const ClientOptions& client, std::string_view project)
{
  return print_list(client,
                    "/projects/" + std::string(project) + "/deploy-hooks",
                    "deployHooks",
                    "No deploy hooks yet: make one with `reactor deploy-hook create`",
                    deploy_hooks_table);
}

int
remove_deploy_hook(const ClientOptions& client, std::string_view project, std::string_view name)
{
  return remove_of_project(client, project, "deploy-hooks", name);
}

namespace {

// "  github  POST <server>/hooks/github/<project>" for each provider of a webhook answer.
void
print_payload_urls(const ClientOptions& client, const boost::json::object& webhook)
{
  if (const auto* paths = webhook.if_contains("paths"); paths != nullptr && paths->is_object()) {
    for (const auto& [provider, path] : paths->as_object()) {
      const std::string name(provider);
      std::cout << "  " << name << std::string(8 - std::min<std::size_t>(name.size(), 7), ' ')
                << "POST " << client.server << (path.is_string() ? path.as_string().c_str() : "")
                << "\n";
    }
  }
  std::cout << "Content type: application/json; events: push and pull requests (merge requests "
               "on GitLab).\n";
}

} // namespace

int
add_notification_endpoint(const ClientOptions& client, const NotifyOptions& options)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  boost::json::object body{ { "url", options.url } };
  if (!options.events.empty()) {
    boost::json::array events;
    for (const auto& event : options.events) {
      events.emplace_back(event);
    }
    body["events"] = std::move(events);
  }
  auto endpoint = expect_object(
    client,
    api->post("/projects/" + options.project + "/notifications", boost::json::serialize(body)),
    201);
  if (!endpoint) {
    return report(client, endpoint.error());
  }
  if (client.json) {
    print_json(boost::json::serialize(*endpoint));
    return k_exit_ok;
  }
  std::cout << "Notification endpoint " << text_of(*endpoint, "id") << " of project "
            << options.project << " gets "
            << (options.events.empty() ? std::string("every event") : "the events asked for")
            << " at " << text_of(*endpoint, "url") << ", signed (Standard Webhooks) with\n  "
            << text_of(*endpoint, "secret")
            << "\nKeep this secret: it is shown only now (remove the endpoint to revoke it).\n";
  return k_exit_ok;
}

int
list_notifications(const ClientOptions& client, std::string_view project)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto listed =
    expect_object(client, api->get("/projects/" + std::string(project) + "/notifications"), 200);
  if (!listed) {
    return report(client, listed.error());
  }
  if (client.json) {
    print_json(boost::json::serialize(*listed));
    return k_exit_ok;
  }
  const auto* endpoints = listed->if_contains("endpoints");
  const auto* deliveries = listed->if_contains("deliveries");
  if (endpoints == nullptr || !endpoints->is_array() || endpoints->get_array().empty()) {
    std::cout << "No notification endpoints yet: add one with `reactor notify add`\n";
  } else {
    print_text(notification_endpoints_table(endpoints->get_array()));
  }
  if (deliveries != nullptr && deliveries->is_array() && !deliveries->get_array().empty()) {
    std::cout << "\n";
    print_text(notifications_table(deliveries->get_array()));
  }
  return k_exit_ok;
}

int
remove_notification_endpoint(const ClientOptions& client,
                             std::string_view project,
                             std::string_view id)
{
  return remove_of_project(client, project, "notifications", id);
}

int
show_webhook(const ClientOptions& client, std::string_view project)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto webhook =
    expect_object(client, api->get("/projects/" + std::string(project) + "/webhook"), 200);
  if (!webhook) {
    return report(client, webhook.error());
  }
  if (client.json) {
    print_json(boost::json::serialize(*webhook));
    return k_exit_ok;
  }
  std::cout << "Webhooks of project " << project << ":\n";
  print_payload_urls(client, *webhook);
  const auto* set = webhook->if_contains("secretSet");
  if (set != nullptr && set->is_bool() && set->get_bool()) {
    std::cout << "Secret: the one shown when the project was made (`reactor hooks rotate "
              << project << "` makes a new one).\n";
  } else {
    std::cout << "Secret: none yet, so every delivery is refused: make one with `reactor hooks "
                 "rotate "
              << project << "`.\n";
  }
  if (const auto* deliveries = webhook->if_contains("deliveries");
      deliveries != nullptr && deliveries->is_array() && !deliveries->get_array().empty()) {
    std::cout << "\nLatest deliveries:\n" << webhook_deliveries_table(deliveries->get_array());
  }
  return k_exit_ok;
}

int
rotate_webhook_secret(const ClientOptions& client, std::string_view project)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto webhook = expect_object(
    client, api->post("/projects/" + std::string(project) + "/webhook/secret", "{}"), 201);
  if (!webhook) {
    return report(client, webhook.error());
  }
  if (client.json) {
    print_json(boost::json::serialize(*webhook));
    return k_exit_ok;
  }
  std::cout << "New webhook secret of project " << project << ":\n  " << text_of(*webhook, "secret")
            << "\nKeep it secret: it is shown only now, and the old one no longer works. Set it "
               "as the secret of the webhook at:\n";
  print_payload_urls(client, *webhook);
  return k_exit_ok;
}

} // namespace reactor::cli
