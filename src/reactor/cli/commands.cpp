#include "reactor/cli/commands.hpp"

#include "reactor/cli/api_client.hpp"
#include "reactor/cli/format.hpp"
#include "reactor/cli/progress.hpp"
#include "reactor/cli/sse.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/util/units.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <thread>
#include <unistd.h>

namespace reactor::cli {

namespace {

constexpr int k_reconnects = 5;
constexpr std::chrono::seconds k_reconnect_pause{ 1 };
constexpr std::chrono::milliseconds k_idle_step{ 100 };
// The server sends a heartbeat on an idle event stream every 15 seconds.
constexpr std::chrono::seconds k_event_silence_limit{ 45 };
constexpr std::size_t k_shown_body = 300;

// A failed step of a command: what to say and how to exit. `json` is the object --json
// prints (the API's error answer when there was one).
struct Failure
{
  int exit_code = k_exit_failed;
  std::string message;
  std::string json;
};

template<typename T>
using Outcome = std::expected<T, Failure>;

std::unexpected<Failure>
failure(int exit_code, std::string message, std::string json = {})
{
  return std::unexpected(Failure{ exit_code, std::move(message), std::move(json) });
}

int
report(const ClientOptions& client, const Failure& failure)
{
  if (client.json) {
    std::cout << (failure.json.empty() ? error_json(failure.message) : failure.json) << '\n'
              << std::flush;
  }
  std::cerr << "reactor: " << failure.message << '\n';
  return failure.exit_code;
}

std::optional<boost::json::object>
parse_object(std::string_view text)
{
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) {
    return std::nullopt;
  }
  return std::move(value.get_object());
}

// The failure a non-2xx answer means, in words that say what to do about it.
Failure
http_failure(const ClientOptions& client, const Reply& reply)
{
  const auto object = parse_object(reply.body);
  std::string said = object ? text_of(*object, "error") : std::string{};
  if (said.empty()) {
    said = reply.body.substr(0, k_shown_body);
  }
  const std::string json = object ? reply.body : std::string{};
  const std::string code = "HTTP " + std::to_string(reply.status);
  switch (reply.status) {
    case 401:
    case 403:
      return Failure{ k_exit_usage,
                      "the server at " + client.server + " refused the request (" + code +
                        (said.empty() ? "" : ": " + said) + "). " +
                        (client.token.empty()
                           ? "Set the API token with --token or the REACTOR_API_TOKEN "
                             "environment variable"
                           : "The token given (--token or REACTOR_API_TOKEN) is not one it "
                             "accepts"),
                      json };
    case 400:
    case 422:
      return Failure{ k_exit_usage, said.empty() ? "the server rejected the request" : said, json };
    case 404:
    case 409:
      return Failure{ k_exit_failed, said.empty() ? "the server answered " + code : said, json };
    default:
      return Failure{ k_exit_failed,
                      "the server answered " + code + (said.empty() ? "" : ": " + said),
                      json };
  }
}

// The client for the options, or why the server address is unusable.
Outcome<ApiClient>
connect(const ClientOptions& client)
{
  auto server = normalize_server_url(client.server);
  if (!server) {
    return failure(k_exit_usage, server.error().message + " (set it with --server or REACTOR_URL)");
  }
  return ApiClient(std::move(*server), client.token);
}

Outcome<void>
check_id(std::string_view id)
{
  if (!core::is_deployment_id(id)) {
    return failure(k_exit_usage,
                   "'" + std::string(id) +
                     "' is not a deployment id (10 lowercase letters and digits, as `reactor "
                     "ls` shows them)");
  }
  return {};
}

// The answer to a request that must succeed with `expected`.
Outcome<Reply>
expect(const ClientOptions& client, util::Result<Reply> reply, long expected)
{
  if (!reply) {
    return failure(k_exit_usage, reply.error().message);
  }
  if (reply->status != expected) {
    return std::unexpected(http_failure(client, *reply));
  }
  return std::move(*reply);
}

Outcome<boost::json::object>
expect_object(const ClientOptions& client, util::Result<Reply> reply, long expected)
{
  auto answer = expect(client, std::move(reply), expected);
  if (!answer) {
    return std::unexpected(answer.error());
  }
  auto object = parse_object(answer->body);
  if (!object) {
    return failure(k_exit_failed,
                   "the server at " + client.server + " answered something that is not JSON: " +
                     answer->body.substr(0, k_shown_body));
  }
  return std::move(*object);
}

// Connects, checks the id and makes the one request `send` makes with the client, which
// must answer `expected`.
template<typename Send>
Outcome<Reply>
request_about(const ClientOptions& client, std::string_view id, long expected, Send send)
{
  auto api = connect(client);
  if (!api) {
    return std::unexpected(api.error());
  }
  if (auto valid = check_id(id); !valid) {
    return std::unexpected(valid.error());
  }
  return expect(client, send(*api), expected);
}

void
print_json(std::string_view body)
{
  std::cout << json_line(body) << std::flush;
}

// The end of a command that changes one thing: the answer as JSON with --json, else `line`.
int
acknowledge(const ClientOptions& client, const Outcome<Reply>& reply, std::string_view line)
{
  if (!reply) {
    return report(client, reply.error());
  }
  if (client.json) {
    print_json(reply->body);
  } else {
    std::cout << line << '\n';
  }
  return k_exit_ok;
}

void
print_text(std::string_view text)
{
  std::cout << text << std::flush;
}

// Follows the deployment's events (from the start of its history) until its final
// status, resuming after the last event seen when the stream breaks. `progress` shows
// them when set.
Outcome<DeploymentEvent>
follow_events(const ClientOptions& client,
              const ApiClient& api,
              std::string_view id,
              Progress* progress)
{
  std::string last_id = "0";
  std::optional<DeploymentEvent> final_event;
  for (int failures = 0;;) {
    std::string buffer;
    bool heard = false;
    const auto on_chunk = [&](std::string_view chunk) {
      buffer += chunk;
      auto parsed = parse_sse(buffer, last_id);
      buffer.erase(0, parsed.consumed);
      last_id = std::move(parsed.last_id);
      for (const auto& message : parsed.events) {
        auto event = parse_deployment_event(message.data);
        if (!event) {
          continue;
        }
        heard = true;
        if (event->kind == DeploymentEvent::Kind::log) {
          if (progress != nullptr) {
            progress->log(event->line);
          }
          continue;
        }
        if (progress != nullptr) {
          progress->update(event->status, event->phase);
        }
        if (core::is_final(event->status)) {
          final_event = std::move(*event);
          return false;
        }
      }
      return true;
    };
    const auto on_idle = [progress] {
      if (progress != nullptr) {
        progress->tick();
      }
    };
    auto reply = api.stream("/deployments/" + std::string(id) + "/events?since=" + last_id,
                            on_chunk,
                            on_idle,
                            k_event_silence_limit);
    if (final_event) {
      return std::move(*final_event);
    }
    if (reply && reply->status != 200) {
      return std::unexpected(http_failure(client, *reply));
    }
    failures = heard ? 1 : failures + 1;
    if (failures > k_reconnects) {
      const std::string broke = reply ? "the event stream kept ending before the deployment "
                                        "finished"
                                      : reply.error().message;
      return failure(k_exit_usage,
                     "lost track of deployment " + std::string(id) + ": " + broke +
                       ". It goes on; follow it with `reactor logs " + std::string(id) + " -f`");
    }
    for (auto waited = std::chrono::milliseconds(0); waited < k_reconnect_pause;
         waited += k_idle_step) {
      std::this_thread::sleep_for(k_idle_step);
      on_idle();
    }
  }
}

} // namespace

util::Result<std::string>
deploy_request_json(const DeployOptions& options)
{
  if (!options.project.empty()) {
    const bool settings = !options.repo_url.empty() || !options.root_dir.empty() ||
                          !options.install_command.empty() || !options.build_command.empty() ||
                          !options.output_dir.empty() || !options.package_manager.empty() ||
                          !options.node_version.empty() || !options.env.empty();
    if (settings) {
      return util::fail("--project deploys with the project's own repository and settings: "
                        "give only --ref with it");
    }
    boost::json::object body;
    if (!options.ref.empty()) {
      body["ref"] = options.ref;
    }
    return boost::json::serialize(body);
  }
  if (options.repo_url.empty()) {
    return util::fail("give the git-url to deploy, or --project <name>");
  }
  boost::json::object body{ { "repoUrl", options.repo_url } };
  const auto put = [&body](std::string_view name, const std::string& value) {
    if (!value.empty()) {
      body[name] = value;
    }
  };
  put("ref", options.ref);
  put("rootDir", options.root_dir);
  put("installCommand", options.install_command);
  put("buildCommand", options.build_command);
  put("outputDir", options.output_dir);
  put("packageManager", options.package_manager);
  put("nodeVersion", options.node_version);
  if (!options.env.empty()) {
    boost::json::object env;
    for (const auto& entry : options.env) {
      const std::size_t equals = entry.find('=');
      if (equals == std::string::npos || equals == 0) {
        return util::fail("--env wants NAME=value, not '" + entry + "'");
      }
      env[entry.substr(0, equals)] = entry.substr(equals + 1);
    }
    body["env"] = std::move(env);
  }
  return boost::json::serialize(body);
}

int
deploy(const ClientOptions& client, const DeployOptions& options)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto body = deploy_request_json(options);
  if (!body) {
    return report(client, Failure{ k_exit_usage, body.error().message, {} });
  }
  const std::string path =
    options.project.empty() ? "/deploy" : "/projects/" + options.project + "/deployments";
  auto created = expect_object(client, api->post(path, *body), 202);
  if (!created) {
    return report(client, created.error());
  }
  const std::string id = text_of(*created, "id");
  std::optional<Progress> progress;
  if (!client.json) {
    std::cout << "Deployment " << id << " queued\n";
    if (auto queued = api->get("/deployments/" + id); queued && queued->status == 200) {
      const auto queue = queue_place(parse_object(queued->body).value_or(boost::json::object{}));
      if (!queue.empty()) {
        std::cout << "Queue: " << queue << '\n';
      }
    }
    std::cout << std::flush;
    progress.emplace(std::cout, isatty(STDOUT_FILENO) == 1);
  }
  auto final_event = follow_events(client, *api, id, progress ? &*progress : nullptr);
  const auto elapsed = progress ? progress->elapsed() : std::chrono::milliseconds{};
  progress.reset();
  if (!final_event) {
    return report(client, final_event.error());
  }
  auto reply = api->get("/deployments/" + id);
  auto deployment = expect_object(client, std::move(reply), 200);
  if (client.json) {
    if (!deployment) {
      return report(client, deployment.error());
    }
    print_json(boost::json::serialize(*deployment));
  }
  const std::string url = deployment ? text_of(*deployment, "url") : text_of(*created, "url");
  switch (final_event->status) {
    case core::Status::deployed:
      if (!client.json) {
        std::cout << "Deployed in " << util::format_seconds(elapsed) << ": " << url << '\n';
      }
      return k_exit_ok;
    case core::Status::canceled:
      std::cerr << "reactor: deployment " << id << " was canceled\n";
      return k_exit_failed;
    default:
      std::cerr << "reactor: deployment " << id << " failed: "
                << (final_event->error.empty() ? "no reason given" : final_event->error) << '\n';
      return k_exit_failed;
  }
}

namespace {

// Prints one object the server answered: as JSON with --json, else as `fields` lays it out.
int
print_one(const ClientOptions& client,
          const Outcome<Reply>& reply,
          std::string (*fields)(const boost::json::object&))
{
  if (!reply) {
    return report(client, reply.error());
  }
  if (client.json) {
    print_json(reply->body);
    return k_exit_ok;
  }
  print_text(fields(parse_object(reply->body).value_or(boost::json::object{})));
  return k_exit_ok;
}

// Fetches `path`, whose answer is {"<key>": [...]}, and prints it: as JSON with --json,
// `empty` when the list is empty, else as `table` makes it.
// Deletes /projects/<project>/<collection>/<name> (a variable, a deploy hook): 204.
int
remove_of_project(const ClientOptions& client,
                  std::string_view project,
                  std::string_view collection,
                  std::string_view name)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto reply = expect(client,
                      api->remove("/projects/" + std::string(project) + "/" +
                                  std::string(collection) + "/" + std::string(name)),
                      204);
  if (reply && client.json) {
    reply->body = boost::json::serialize(boost::json::object{
      { "project", std::string(project) }, { "name", std::string(name) }, { "deleted", true } });
  }
  return acknowledge(
    client, reply, "Deleted " + std::string(name) + " of project " + std::string(project));
}

int
print_list(const ClientOptions& client,
           const std::string& path,
           std::string_view key,
           std::string_view empty,
           std::string (*table)(const boost::json::array&))
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto reply = expect(client, api->get(path), 200);
  if (!reply) {
    return report(client, reply.error());
  }
  if (client.json) {
    print_json(reply->body);
    return k_exit_ok;
  }
  const auto object = parse_object(reply->body);
  const auto* items = object ? object->if_contains(key) : nullptr;
  if (items == nullptr || !items->is_array()) {
    return report(
      client,
      Failure{ k_exit_failed, "the server's list is not {\"" + std::string(key) + "\": […]}", {} });
  }
  if (items->get_array().empty()) {
    std::cout << empty << '\n';
    return k_exit_ok;
  }
  print_text(table(items->get_array()));
  return k_exit_ok;
}

} // namespace

int
list(const ClientOptions& client)
{
  return print_list(client,
                    "/deployments",
                    "deployments",
                    "No deployments yet: start one with `reactor deploy <git-url>`",
                    deployments_table);
}

int
status(const ClientOptions& client, std::string_view id)
{
  return print_one(
    client,
    request_about(
      client, id, 200, [&](ApiClient& api) { return api.get("/deployments/" + std::string(id)); }),
    deployment_fields);
}

int
logs(const ClientOptions& client, std::string_view id, bool follow)
{
  const std::string path = "/deployments/" + std::string(id) + "/logs";
  std::string text;
  const auto on_chunk = [&](std::string_view chunk) {
    if (client.json) {
      text += chunk;
    } else {
      std::cout << chunk << std::flush;
    }
    return true;
  };
  auto answer = request_about(client, id, 200, [&](ApiClient& api) {
    if (follow) {
      return api.stream(path + "?follow=1", on_chunk, {});
    }
    auto reply = api.get(path);
    if (reply) {
      text = reply->body;
    }
    return reply;
  });
  if (!answer) {
    return report(client, answer.error());
  }
  if (!client.json) {
    std::cout << text << std::flush;
    return k_exit_ok;
  }
  print_json(log_json(id, text));
  return k_exit_ok;
}

int
cancel(const ClientOptions& client, std::string_view id)
{
  const auto reply = request_about(client, id, 202, [&](ApiClient& api) {
    return api.post("/deployments/" + std::string(id) + "/cancel", "");
  });
  return acknowledge(client, reply, "Canceled " + std::string(id));
}

int
list_dead_letters(const ClientOptions& client)
{
  return print_list(
    client, "/admin/dead-letters", "deadLetters", "No dead letters", dead_letters_table);
}

int
redrive(const ClientOptions& client, std::string_view id)
{
  const auto reply = request_about(client, id, 202, [&](ApiClient& api) {
    return api.post("/admin/dead-letters/" + std::string(id) + "/redrive", "");
  });
  return acknowledge(client,
                     reply,
                     "Queued " + std::string(id) + " again: follow it with `reactor logs " +
                       std::string(id) + " -f`");
}

int
remove(const ClientOptions& client, std::string_view id)
{
  const auto reply = request_about(
    client, id, 200, [&](ApiClient& api) { return api.remove("/deployments/" + std::string(id)); });
  return acknowledge(client, reply, "Deleted " + std::string(id));
}

int
collect_garbage(const ClientOptions& client, bool dry_run)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto reply = expect(client, api->post(dry_run ? "/admin/gc?dryRun=1" : "/admin/gc", ""), 200);
  if (!reply) {
    return report(client, reply.error());
  }
  if (client.json) {
    print_json(reply->body);
    return k_exit_ok;
  }
  const auto object = parse_object(reply->body);
  if (!object) {
    return report(client, Failure{ k_exit_failed, "the server's answer is not a JSON object", {} });
  }
  std::cout << gc_summary(*object, dry_run) << '\n';
  return k_exit_ok;
}

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
  const std::string url =
    reply ? text_of(parse_object(reply->body).value_or(boost::json::object{}), "url") : "";
  return acknowledge(
    client, reply, "Created project " + options.name + ": production will be served at " + url);
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

int
promote(const ClientOptions& client, std::string_view id)
{
  auto deployment = request_about(
    client, id, 200, [&](ApiClient& api) { return api.get("/deployments/" + std::string(id)); });
  if (!deployment) {
    return report(client, deployment.error());
  }
  const std::string project =
    text_of(parse_object(deployment->body).value_or(boost::json::object{}), "project");
  if (project.empty()) {
    return report(
      client,
      Failure{ k_exit_failed, "deployment " + std::string(id) + " belongs to no project", {} });
  }
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  const boost::json::object body{ { "deploymentId", std::string(id) } };
  return acknowledge(
    client,
    expect(
      client, api->post("/projects/" + project + "/promote", boost::json::serialize(body)), 200),
    "Promoted " + std::string(id) + " to production of " + project);
}

int
rollback(const ClientOptions& client, std::string_view project, std::string_view id)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  boost::json::object body;
  if (!id.empty()) {
    body["deploymentId"] = std::string(id);
  }
  auto reply = expect(
    client,
    api->post("/projects/" + std::string(project) + "/rollback", boost::json::serialize(body)),
    200);
  const std::string serving =
    reply
      ? text_of(parse_object(reply->body).value_or(boost::json::object{}), "productionDeploymentId")
      : "";
  return acknowledge(client,
                     reply,
                     "Rolled " + std::string(project) + " back to " + serving +
                       "; new builds no longer take production until `reactor promote`");
}

} // namespace reactor::cli
