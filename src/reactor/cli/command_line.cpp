#include "reactor/cli/command_line.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>

namespace reactor::cli {

namespace {

// CLI11 applies an option's environment variable in every subcommand, parsed or not, so
// subcommands sharing one variable would overwrite one another: the environment gives the
// defaults instead.
std::string
environment_or(const char* name, std::string fallback)
{
  const char* value = std::getenv(name); // NOLINT(concurrency-mt-unsafe): before any thread
  return value != nullptr && *value != '\0' ? std::string(value) : std::move(fallback);
}

void
add_client_flags(CLI::App& command, ClientOptions& options)
{
  command.add_option("--server",
                     options.server,
                     "The Reactor server's URL (default: $REACTOR_URL, else " +
                       std::string(k_default_server) + ")");
  command.add_option("--token",
                     options.token,
                     "API token, sent as Authorization: Bearer (default: $REACTOR_API_TOKEN)");
  command.add_option("--ca-file",
                     options.ca_file,
                     "Trust these CA certificates (PEM) for an https:// server instead of the "
                     "system's, e.g. for a self-signed one (default: $REACTOR_CA_FILE)");
  command.add_flag("--json", options.json, "Print the API's JSON (one object) for scripts");
}

CLI::App*
add_command(CLI::App& app, const std::string& name, const std::string& help, ClientOptions& options)
{
  auto* command = app.add_subcommand(name, help);
  add_client_flags(*command, options);
  return command;
}

void
add_id(CLI::App& command, std::string& id)
{
  command.add_option("id", id, "Deployment id, as `reactor ls` shows it")->required();
}

void
add_deploy_flags(CLI::App& command, DeployOptions& options)
{
  command.add_option("git-url", options.repo_url, "The Git repository to build");
  command.add_option(
    "--project", options.project, "Deploy this project's branch (--ref; default: production)");
  command.add_option("--ref", options.ref, "Branch, tag or commit (default: the default branch)");
  command.add_option("--root-dir", options.root_dir, "The app's folder inside the repository");
  command.add_option("--env", options.env, "Build-time variable NAME=value (repeat for more)")
    ->allow_extra_args(false);
  command.add_option(
    "--install-command", options.install_command, "Run instead of the detected install");
  command.add_option("--build-command", options.build_command, "Run instead of the detected build");
  command.add_option(
    "--output-dir", options.output_dir, "The build's output folder, relative to the root dir");
  command.add_option("--package-manager",
                     options.package_manager,
                     "npm, yarn, pnpm or bun, with a version if wanted (pnpm@10)");
  command.add_option(
    "--node-version", options.node_version, "Node.js version or range (18, 20.11.1, lts/*)");
}

// `reactor project set`: each option changes one field of the project.
CLI::App*
add_project_set(CLI::App& projects, ProjectChanges& changes, ClientOptions& client)
{
  auto* command = add_command(projects, "set", "Change a project's settings", client);
  command->add_option("name", changes.name, "The project")->required();
  command->add_option("--protection", changes.protection, "Ask for a password: off, previews, all")
    ->check(CLI::IsMember({ "off", "previews", "all" }));
  command->add_option("--password-file",
                      changes.password_file,
                      "The protection password: the file's first line (8 to 256 characters)");
  command->add_flag("--new-bypass-token",
                    changes.new_bypass_token,
                    "Make a new X-Reactor-Bypass token (shown once) for CI");
  command->add_option("--skew-window-days",
                      changes.skew_window_days,
                      "Days earlier deployments serve missing assets on an alias (0: off)");
  command->add_option("--skew-max-deployments",
                      changes.skew_max_deployments,
                      "How many earlier deployments are looked in (0: off)");
  command->add_option("--production-branch", changes.production_branch, "The production branch");
  command->add_option("--auto-promote",
                      changes.auto_promote,
                      "true: production follows the production branch; false: only promotes");
  command->add_option(
    "--deploy-tags", changes.deploy_tags, "true: a pushed tag builds a preview (Git webhooks)");
  command->add_option("--build-fork-pull-requests",
                      changes.build_fork_pull_requests,
                      "true: pull requests from forks build previews, with no project variables");
  command->add_option("--root-dir", changes.root_dir, "The app's folder in the repository");
  command->add_option("--install-command", changes.install_command, "Replaces the install");
  command->add_option("--build-command", changes.build_command, "Replaces npm run build");
  command->add_option("--output-dir", changes.output_dir, "The folder the build writes");
  command->add_option("--package-manager", changes.package_manager, "pnpm@10, yarn@4, …");
  command->add_option("--node-version", changes.node_version, "18, 20.11.1, lts/*");
  return command;
}

} // namespace

ClientCommands::ClientCommands(CLI::App& app)
{
  m_client.server = environment_or("REACTOR_URL", std::string(k_default_server));
  m_client.token = environment_or("REACTOR_API_TOKEN", {});
  m_client.ca_file = environment_or("REACTOR_CA_FILE", {});
  m_deploy_command =
    add_command(app, "deploy", "Deploy a Git repository and follow the build to its end", m_client);
  add_deploy_flags(*m_deploy_command, m_deploy);
  m_list_command = add_command(app, "ls", "List the newest deployments", m_client);
  m_status_command = add_command(app, "status", "Show one deployment", m_client);
  add_id(*m_status_command, m_id);
  m_logs_command = add_command(app, "logs", "Print a deployment's build log", m_client);
  add_id(*m_logs_command, m_id);
  m_logs_command->add_flag("-f,--follow", m_follow, "Keep printing until the build ends");
  m_cancel_command = add_command(app, "cancel", "Cancel a deployment", m_client);
  add_id(*m_cancel_command, m_id);
  m_remove_command =
    add_command(app, "rm", "Delete a finished deployment (its site stops being served)", m_client);
  add_id(*m_remove_command, m_id);
  m_gc_command = add_command(
    app, "gc", "Collect garbage now: unreferenced blobs, old dependency caches", m_client);
  m_gc_command->add_flag("--dry-run", m_dry_run, "Only count what would be deleted");
  m_project_command = app.add_subcommand("project", "Projects: stable hostnames for a repository");
  m_project_command->require_subcommand(1);
  m_project_create_command =
    add_command(*m_project_command, "create", "Create a project", m_client);
  m_project_create_command->add_option("name", m_project.name, "A DNS label: shop, my-blog")
    ->required();
  m_project_create_command->add_option("git-url", m_project.repo_url, "Its Git repository")
    ->required();
  m_project_create_command->add_option(
    "--production-branch", m_project.production_branch, "Default: the repository's default branch");
  m_project_create_command->add_flag(
    "--no-auto-promote", m_project.no_auto_promote, "Production moves only on `reactor promote`");
  m_project_list_command = add_command(*m_project_command, "ls", "List the projects", m_client);
  m_project_show_command =
    add_command(*m_project_command, "show", "Show a project and its hostnames", m_client);
  m_project_show_command->add_option("name", m_project.name, "The project")->required();
  m_project_remove_command = add_command(
    *m_project_command,
    "rm",
    "Delete a project (its deployments stay at their own URLs until garbage collection)",
    m_client);
  m_project_remove_command->add_option("name", m_project.name, "The project")->required();
  m_project_set_command = add_project_set(*m_project_command, m_project_changes, m_client);
  add_env_commands(app);
  add_deploy_hook_commands(app);
  add_domain_commands(app);
  add_webhook_commands(app);
  add_notify_commands(app);
  m_promote_command =
    add_command(app, "promote", "Serve a deployment at its project's production URL", m_client);
  add_id(*m_promote_command, m_id);
  m_rollback_command = add_command(
    app, "rollback", "Serve the previous production deployment again, at once", m_client);
  m_rollback_command->add_option("project", m_project.name, "The project")->required();
  m_rollback_command->add_option(
    "id", m_id, "The deployment to roll back to (default: the previous one)");
  m_dlq_command = app.add_subcommand("dlq", "The dead-letter queue: builds that never finished");
  m_dlq_command->require_subcommand(1);
  m_dlq_list_command = add_command(*m_dlq_command, "ls", "List the dead letters", m_client);
  m_dlq_redrive_command =
    add_command(*m_dlq_command, "redrive", "Queue a dead-lettered build again", m_client);
  add_id(*m_dlq_redrive_command, m_id);
}

void
ClientCommands::add_env_commands(CLI::App& app)
{
  m_env_command = app.add_subcommand("env", "A project's variables, given to its builds");
  m_env_command->require_subcommand(1);
  m_env_set_command = add_command(
    *m_env_command, "set", "Add or change a variable (its value is never shown again)", m_client);
  m_env_set_command->add_option("project", m_env.project, "The project")->required();
  m_env_set_command->add_option("name", m_env.name, "The variable: MY_API_KEY")->required();
  m_env_set_command->add_option(
    "--value", m_env.value, "The value (default: read from stdin, one line end dropped)");
  m_env_set_command
    ->add_option(
      "--scope", m_env.scopes, "production or preview builds only (repeat for both; default: both)")
    ->check(CLI::IsMember({ "production", "preview" }))
    ->allow_extra_args(false);
  m_env_list_command =
    add_command(*m_env_command, "ls", "List a project's variables (names, not values)", m_client);
  m_env_list_command->add_option("project", m_env.project, "The project")->required();
  m_env_remove_command = add_command(*m_env_command, "rm", "Delete a variable", m_client);
  m_env_remove_command->add_option("project", m_env.project, "The project")->required();
  m_env_remove_command->add_option("name", m_env.name, "The variable")->required();
}

void
ClientCommands::add_deploy_hook_commands(CLI::App& app)
{
  m_hook_command =
    app.add_subcommand("deploy-hook", "A project's secret URLs that build a branch when called");
  m_hook_command->require_subcommand(1);
  m_hook_create_command = add_command(
    *m_hook_command, "create", "Make a deploy hook (its URL is shown this once)", m_client);
  m_hook_create_command->add_option("project", m_hook.project, "The project")->required();
  m_hook_create_command->add_option("name", m_hook.name, "The hook's name: cms-publish")
    ->required();
  m_hook_create_command->add_option(
    "--branch", m_hook.branch, "The branch it builds (default: the production branch)");
  m_hook_list_command =
    add_command(*m_hook_command, "ls", "List a project's deploy hooks", m_client);
  m_hook_list_command->add_option("project", m_hook.project, "The project")->required();
  m_hook_remove_command =
    add_command(*m_hook_command, "rm", "Delete a deploy hook (its URL stops working)", m_client);
  m_hook_remove_command->add_option("project", m_hook.project, "The project")->required();
  m_hook_remove_command->add_option("name", m_hook.name, "The hook")->required();
}

void
ClientCommands::add_domain_commands(CLI::App& app)
{
  auto* domains = app.add_subcommand("domains", "A project's own domains, serving its production");
  domains->require_subcommand(1);
  m_domain_add_command =
    add_command(*domains, "add", "Add a domain (served once its DNS points here)", m_client);
  m_domain_add_command->add_option("project", m_domain_project, "The project")->required();
  m_domain_add_command->add_option("domain", m_domain, "The domain: www.example.com")->required();
  m_domain_list_command =
    add_command(*domains, "ls", "List a project's domains and what their DNS needs", m_client);
  m_domain_list_command->add_option("project", m_domain_project, "The project")->required();
  m_domain_remove_command =
    add_command(*domains, "rm", "Remove a domain (no longer served)", m_client);
  m_domain_remove_command->add_option("project", m_domain_project, "The project")->required();
  m_domain_remove_command->add_option("domain", m_domain, "The domain")->required();
}

void
ClientCommands::add_webhook_commands(CLI::App& app)
{
  auto* hooks = app.add_subcommand("hooks", "A project's Git webhooks: push to deploy");
  hooks->require_subcommand(1);
  m_webhook_show_command =
    add_command(*hooks, "show", "Print the payload URL for GitHub, GitLab and Gitea", m_client);
  m_webhook_show_command->add_option("project", m_webhook_project, "The project")->required();
  m_webhook_rotate_command = add_command(
    *hooks, "rotate", "Make a new webhook secret (shown this once; the old one stops)", m_client);
  m_webhook_rotate_command->add_option("project", m_webhook_project, "The project")->required();
}

void
ClientCommands::add_notify_commands(CLI::App& app)
{
  auto* notify = app.add_subcommand("notify", "Where a project's deployment events are POSTed");
  notify->require_subcommand(1);
  m_notify_add_command = add_command(
    *notify, "add", "Add an endpoint (its signing secret is shown this once)", m_client);
  m_notify_add_command->add_option("project", m_notify.project, "The project")->required();
  m_notify_add_command->add_option("url", m_notify.url, "Where to POST: https://…")->required();
  m_notify_add_command
    ->add_option("--events",
                 m_notify.events,
                 "Only these, comma-separated: deployment.ready,deployment.error (default: all)")
    ->delimiter(',');
  m_notify_list_command = add_command(
    *notify, "ls", "List the endpoints and the latest deliveries with their answers", m_client);
  m_notify_list_command->add_option("project", m_notify.project, "The project")->required();
  m_notify_remove_command = add_command(
    *notify, "rm", "Remove an endpoint (what it still had to get is dropped)", m_client);
  m_notify_remove_command->add_option("project", m_notify.project, "The project")->required();
  m_notify_remove_command->add_option("id", m_notify.id, "The endpoint: ep_…")->required();
}

std::optional<int>
ClientCommands::run() const
{
  if (m_deploy_command->parsed()) {
    return deploy(m_client, m_deploy);
  }
  if (m_list_command->parsed()) {
    return list(m_client);
  }
  if (m_status_command->parsed()) {
    return status(m_client, m_id);
  }
  if (m_logs_command->parsed()) {
    return logs(m_client, m_id, m_follow);
  }
  if (m_cancel_command->parsed()) {
    return cancel(m_client, m_id);
  }
  if (m_remove_command->parsed()) {
    return remove(m_client, m_id);
  }
  if (m_gc_command->parsed()) {
    return collect_garbage(m_client, m_dry_run);
  }
  if (m_project_create_command->parsed()) {
    return create_project(m_client, m_project);
  }
  if (m_project_list_command->parsed()) {
    return list_projects(m_client);
  }
  if (m_project_show_command->parsed()) {
    return show_project(m_client, m_project.name);
  }
  if (m_project_remove_command->parsed()) {
    return remove_project(m_client, m_project.name);
  }
  if (m_project_set_command->parsed()) {
    return set_project(m_client, m_project_changes);
  }
  if (m_env_set_command->parsed()) {
    return set_env(m_client, m_env);
  }
  if (m_env_list_command->parsed()) {
    return list_env(m_client, m_env.project);
  }
  if (m_env_remove_command->parsed()) {
    return remove_env(m_client, m_env.project, m_env.name);
  }
  if (m_hook_create_command->parsed()) {
    return create_deploy_hook(m_client, m_hook);
  }
  if (m_hook_list_command->parsed()) {
    return list_deploy_hooks(m_client, m_hook.project);
  }
  if (m_hook_remove_command->parsed()) {
    return remove_deploy_hook(m_client, m_hook.project, m_hook.name);
  }
  if (m_domain_add_command->parsed()) {
    return add_domain(m_client, m_domain_project, m_domain);
  }
  if (m_domain_list_command->parsed()) {
    return list_domains(m_client, m_domain_project);
  }
  if (m_domain_remove_command->parsed()) {
    return remove_domain(m_client, m_domain_project, m_domain);
  }
  if (m_notify_add_command->parsed()) {
    return add_notification_endpoint(m_client, m_notify);
  }
  if (m_notify_list_command->parsed()) {
    return list_notifications(m_client, m_notify.project);
  }
  if (m_notify_remove_command->parsed()) {
    return remove_notification_endpoint(m_client, m_notify.project, m_notify.id);
  }
  if (m_webhook_show_command->parsed()) {
    return show_webhook(m_client, m_webhook_project);
  }
  if (m_webhook_rotate_command->parsed()) {
    return rotate_webhook_secret(m_client, m_webhook_project);
  }
  if (m_promote_command->parsed()) {
    return promote(m_client, m_id);
  }
  if (m_rollback_command->parsed()) {
    return rollback(m_client, m_project.name, m_id);
  }
  if (m_dlq_list_command->parsed()) {
    return list_dead_letters(m_client);
  }
  if (m_dlq_redrive_command->parsed()) {
    return redrive(m_client, m_id);
  }
  return std::nullopt;
}

} // namespace reactor::cli
