#pragma once

#include "reactor/core/project_env.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::core {

// The statuses existing clients know, in their wire spelling.
enum class Status
{
  pending,
  in_progress,
  deployed,
  error,
  canceled
};

// The step a deployment is in while IN_PROGRESS.
enum class Phase
{
  none,
  cloning,
  installing,
  building,
  uploading
};

std::string_view to_string(Status status);
std::optional<Status> parse_status(std::string_view text);
// DEPLOYED, ERROR and CANCELED never change again.
bool is_final(Status status);

// A fresh id: 10 characters of [a-z0-9] from a cryptographic source, lowercase so that
// the hostname and the storage path always agree.
std::string new_deployment_id();
// True for a well-formed deployment id.
bool is_deployment_id(std::string_view text);

// "" for Phase::none.
std::string_view to_string(Phase phase);
std::optional<Phase> parse_phase(std::string_view text);

// How to build a deployment, as its creator asked; an empty field means "detect it".
struct BuildSettings
{
  std::string root_dir;                   // the app's folder inside the repository
  std::string install_command;            // run instead of the detected install (sandboxed)
  std::string build_command;              // run instead of the detected build (sandboxed)
  std::string output_dir;                 // relative to root_dir
  std::map<std::string, std::string> env; // build-time variables
  std::string package_manager;            // "pnpm@10", "yarn": replaces packageManager
  std::string node_version;               // "18", "lts/*": replaces .nvmrc and the like

  bool operator==(const BuildSettings&) const = default;
};

struct Deployment
{
  std::string id;
  std::string repo_url;
  std::string ref; // empty: the repository's default branch
  Status status = Status::pending;
  Phase phase = Phase::none;
  std::string error;  // set on ERROR: what the user should fix
  std::string commit; // resolved commit hash, once cloned
  BuildSettings settings;
  std::string project;    // empty: a deployment of no project
  std::string branch;     // of a project's deployment: the branch it builds ("" = default)
  int pull_request = 0;   // of a pull request's preview: its number (its alias's); 0 otherwise
  bool from_fork = false; // a pull request's from another repository: built with no variables
  // The project's variables of its scope, sealed, as they were when it was created: its
  // builds (a retry too) get these. Written by create_deployment, read back only by
  // MetadataStore::deployment_env.
  std::vector<EnvVariable> env;
  // What the worker found and measured (framework, package manager, versions, phase
  // durations), as a JSON object; "{}" until known.
  std::string build_info = "{}";
  // build_inputs_digest of a project's deployment when it was created; "" for others.
  std::string inputs_digest;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

// What a project's deployment is built from besides its commit, as one hex digest: its
// settings, its variables (as sealed: the same ciphertext is the same value) and whether
// it comes from a fork. Two deployments of one commit with the same digest make the same
// site, so one reuses the other's output.
std::string inputs_digest(const Deployment& deployment);

// A change of status, phase, error or commit, recorded together with its event.
struct StatusChange
{
  std::string deployment_id;
  Status status = Status::in_progress;
  Phase phase = Phase::none;
  std::string error;
  std::string commit;     // empty: leave unchanged
  std::string build_info; // empty: leave unchanged
};

enum class EventKind
{
  status,
  log,
  deleted, // the deployment was deleted (a tombstone: its other events went with it)
  alias,   // a hostname label (`line`) now points at deployment_id ("" when it was dropped)
  project  // a project's (`line`) protection or skew settings changed, or it was deleted
};

// One entry of the change feed; seq grows strictly across all deployments.
struct Event
{
  std::int64_t seq = 0;
  std::string deployment_id;
  EventKind kind = EventKind::status;
  Status status = Status::pending; // kind == status
  Phase phase = Phase::none;       // kind == status
  std::string error;               // kind == status
  std::string line;                // kind == log: the line; alias: the label; project: the project
  // The project the event is about: its deployment's, an alias's, or the changed one's;
  // empty for deployments outside projects and for deletions.
  std::string project;
};

} // namespace reactor::core
