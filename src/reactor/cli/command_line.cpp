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
  command.add_option("git-url", options.repo_url, "The Git repository to build")->required();
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

} // namespace

ClientCommands::ClientCommands(CLI::App& app)
{
  m_client.server = environment_or("REACTOR_URL", std::string(k_default_server));
  m_client.token = environment_or("REACTOR_API_TOKEN", {});
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
  m_dlq_command = app.add_subcommand("dlq", "The dead-letter queue: builds that never finished");
  m_dlq_command->require_subcommand(1);
  m_dlq_list_command = add_command(*m_dlq_command, "ls", "List the dead letters", m_client);
  m_dlq_redrive_command =
    add_command(*m_dlq_command, "redrive", "Queue a dead-lettered build again", m_client);
  add_id(*m_dlq_redrive_command, m_id);
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
  if (m_dlq_list_command->parsed()) {
    return list_dead_letters(m_client);
  }
  if (m_dlq_redrive_command->parsed()) {
    return redrive(m_client, m_id);
  }
  return std::nullopt;
}

} // namespace reactor::cli
