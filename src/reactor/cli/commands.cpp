#include "reactor/cli/commands.hpp"

#include "reactor/cli/api_client.hpp"
#include "reactor/cli/command_support.hpp"
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
