#pragma once

#include "reactor/util/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::cli {

// Exit codes of every client command.
constexpr int k_exit_ok = 0;
// The deployment failed or was canceled, or the server refused the request (unknown id,
// already finished, server error).
constexpr int k_exit_failed = 1;
// The command line or the request was wrong, the server could not be reached, or it
// wanted a token it was not given.
constexpr int k_exit_usage = 2;

constexpr std::string_view k_default_server = "http://127.0.0.1:3000";

// How every client command reaches the server and prints.
struct ClientOptions
{
  std::string server = std::string(k_default_server);
  std::string token;   // sent as "Authorization: Bearer <token>" when not empty
  std::string ca_file; // CA certificates (PEM) an https:// server's must chain to, if set
  bool json = false;   // print the API's JSON (one object) instead of text
};

struct DeployOptions
{
  std::string project; // deploy this project's branch (--ref) instead of a URL
  std::string repo_url;
  std::string ref;
  std::string root_dir;
  std::vector<std::string> env; // "NAME=value"
  std::string install_command;
  std::string build_command;
  std::string output_dir;
  std::string package_manager;
  std::string node_version;
};

struct ProjectOptions
{
  std::string name;
  std::string repo_url;
  std::string production_branch; // empty: the repository's default branch
  bool no_auto_promote = false;
};

// What `reactor project set` changes; an option left unset keeps the project's value.
struct ProjectChanges
{
  std::string name;
  std::optional<std::string> protection;    // off, previews, all
  std::optional<std::string> password_file; // its first line; an empty one removes it
  bool new_bypass_token = false;
  std::optional<int> skew_window_days;
  std::optional<int> skew_max_deployments;
  std::optional<std::string> production_branch;
  std::optional<bool> auto_promote;
  std::optional<bool> deploy_tags;
  std::optional<bool> build_fork_pull_requests;
  std::optional<std::string> root_dir;
  std::optional<std::string> install_command;
  std::optional<std::string> build_command;
  std::optional<std::string> output_dir;
  std::optional<std::string> package_manager;
  std::optional<std::string> node_version;
};

// The body of PATCH /projects/<name> for these changes. Fails when the password file
// cannot be read or is empty, or nothing is to change.
util::Result<std::string> project_patch_json(const ProjectChanges& changes);

// The body of POST /deploy for these options (of POST /projects/<name>/deployments with
// a project); empty options are left out. Fails when an --env entry is not NAME=value, or
// when a project and a URL or build settings are both given.
util::Result<std::string> deploy_request_json(const DeployOptions& options);

// Each command prints its result on stdout and problems on stderr, and returns its exit
// code. With --json, stdout gets exactly one JSON object: the API's answer, or
// {"error": "…"}.

// Submits a deployment and follows it to its end: progress and build log on stdout, the
// site URL when DEPLOYED. 0 when DEPLOYED, 1 on ERROR or CANCELED. --json prints the
// final deployment.
int deploy(const ClientOptions& client, const DeployOptions& options);
// The newest deployments, one line each.
int list(const ClientOptions& client);
// One deployment's fields.
int status(const ClientOptions& client, std::string_view id);
// The build log so far; with `follow`, streamed until the build ends. --json prints
// {"id", "lines": […]} once the log is complete.
int logs(const ClientOptions& client, std::string_view id, bool follow);
// Cancels a deployment that has not finished.
int cancel(const ClientOptions& client, std::string_view id);
// The dead-letter queue: builds that were handed out too often without finishing.
int list_dead_letters(const ClientOptions& client);
// Queues a dead-lettered build again.
int redrive(const ClientOptions& client, std::string_view id);
// Deletes a finished deployment: its site stops being served.
int remove(const ClientOptions& client, std::string_view id);
// Projects: create one, list them, show one with its hostnames, delete one.
int create_project(const ClientOptions& client, const ProjectOptions& options);
int list_projects(const ClientOptions& client);
int show_project(const ClientOptions& client, std::string_view name);
int remove_project(const ClientOptions& client, std::string_view name);
// What `reactor env set` sets: the value from --value, else read from stdin.
struct EnvOptions
{
  std::string project;
  std::string name;
  std::optional<std::string> value;
  std::vector<std::string> scopes; // production, preview; empty: both
};

// The body of PUT /projects/<project>/env/<name>: {"value", "scopes"?}.
std::string env_request_json(const EnvOptions& options, std::string_view value);

// A project's variables: set one (its value never printed), list them (names and scopes,
// never values), delete one.
int set_env(const ClientOptions& client, const EnvOptions& options);
int list_env(const ClientOptions& client, std::string_view project);
int remove_env(const ClientOptions& client, std::string_view project, std::string_view name);

// What `reactor deploy-hook create` makes: a hook named `name` building `branch` ("": the
// project's production branch).
struct DeployHookOptions
{
  std::string project;
  std::string name;
  std::string branch;
};

// A project's deploy hooks: make one (its URL printed this once), list them (names and
// branches), delete one.
// `reactor domains add|ls|rm`: a project's custom domains.
int add_domain(const ClientOptions& client, std::string_view project, std::string_view domain);
int list_domains(const ClientOptions& client, std::string_view project);
int remove_domain(const ClientOptions& client, std::string_view project, std::string_view domain);

int create_deploy_hook(const ClientOptions& client, const DeployHookOptions& options);
int list_deploy_hooks(const ClientOptions& client, std::string_view project);
struct NotifyOptions
{
  std::string project;
  std::string url;
  std::vector<std::string> events; // none: all
  std::string id;
};
// A project's notification endpoints: add one (its signing secret printed this once),
// list them with the latest deliveries and their answers, delete one.
int add_notification_endpoint(const ClientOptions& client, const NotifyOptions& options);
int list_notifications(const ClientOptions& client, std::string_view project);
int remove_notification_endpoint(const ClientOptions& client,
                                 std::string_view project,
                                 std::string_view id);

// `reactor hooks show <project>`: the payload URL for each Git host, and whether the
// project has a secret.
int show_webhook(const ClientOptions& client, std::string_view project);
// `reactor hooks rotate <project>`: a new webhook secret, printed this once.
int rotate_webhook_secret(const ClientOptions& client, std::string_view project);
int remove_deploy_hook(const ClientOptions& client,
                       std::string_view project,
                       std::string_view name);

// Changes a project's settings; prints a new bypass token once, when one was asked for.
int set_project(const ClientOptions& client, const ProjectChanges& changes);
// Points the production hostname of the deployment's project at it.
int promote(const ClientOptions& client, std::string_view id);
// Points production back at the previous production deployment, or at `id`.
int rollback(const ClientOptions& client, std::string_view project, std::string_view id);

// Collects garbage on the server now and prints what went (with `dry_run`, what would go).
int collect_garbage(const ClientOptions& client, bool dry_run);

} // namespace reactor::cli
