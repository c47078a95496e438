#pragma once

#include "reactor/cli/commands.hpp"

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace reactor::cli {

// The client's subcommands on the `reactor` command line: deploy, ls, status, logs,
// cancel, rm, gc, project …, env set|ls|rm, promote, rollback and dlq ls|redrive, each taking
// --server, --token and --json. Holds the parsed values, so it must outlive the parse; it cannot
// move.
class ClientCommands
{
public:
  explicit ClientCommands(CLI::App& app);
  ClientCommands(const ClientCommands&) = delete;
  ClientCommands& operator=(const ClientCommands&) = delete;

  // After a successful parse: runs the chosen client command and returns its exit code;
  // nullopt when the command line chose none of them.
  std::optional<int> run() const;

private:
  // `reactor env set|ls|rm`.
  void add_env_commands(CLI::App& app);
  void add_deploy_hook_commands(CLI::App& app);
  void add_webhook_commands(CLI::App& app);
  void add_notify_commands(CLI::App& app);
  void add_domain_commands(CLI::App& app);

  ClientOptions m_client;
  DeployOptions m_deploy;
  ProjectOptions m_project;
  ProjectChanges m_project_changes;
  EnvOptions m_env;
  DeployHookOptions m_hook;
  std::string m_id;
  bool m_follow = false;
  bool m_dry_run = false;

  CLI::App* m_deploy_command = nullptr;
  CLI::App* m_list_command = nullptr;
  CLI::App* m_status_command = nullptr;
  CLI::App* m_logs_command = nullptr;
  CLI::App* m_cancel_command = nullptr;
  CLI::App* m_remove_command = nullptr;
  CLI::App* m_gc_command = nullptr;
  CLI::App* m_project_command = nullptr;
  CLI::App* m_project_create_command = nullptr;
  CLI::App* m_project_list_command = nullptr;
  CLI::App* m_project_show_command = nullptr;
  CLI::App* m_project_remove_command = nullptr;
  CLI::App* m_project_set_command = nullptr;
  CLI::App* m_env_command = nullptr;
  CLI::App* m_env_set_command = nullptr;
  CLI::App* m_env_list_command = nullptr;
  CLI::App* m_env_remove_command = nullptr;
  CLI::App* m_hook_command = nullptr;
  CLI::App* m_hook_create_command = nullptr;
  CLI::App* m_hook_list_command = nullptr;
  CLI::App* m_hook_remove_command = nullptr;
  std::string m_webhook_project;
  CLI::App* m_webhook_show_command = nullptr;
  CLI::App* m_webhook_rotate_command = nullptr;
  NotifyOptions m_notify;
  CLI::App* m_notify_add_command = nullptr;
  CLI::App* m_notify_list_command = nullptr;
  CLI::App* m_notify_remove_command = nullptr;
  std::string m_domain_project;
  std::string m_domain;
  CLI::App* m_domain_add_command = nullptr;
  CLI::App* m_domain_list_command = nullptr;
  CLI::App* m_domain_remove_command = nullptr;
  CLI::App* m_promote_command = nullptr;
  CLI::App* m_rollback_command = nullptr;
  CLI::App* m_dlq_command = nullptr;
  CLI::App* m_dlq_list_command = nullptr;
  CLI::App* m_dlq_redrive_command = nullptr;
};

} // namespace reactor::cli
