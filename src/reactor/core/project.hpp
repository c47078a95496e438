#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/util/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace reactor::core {

// A site with a stable address: its repository, which branch is production, and how to
// build it. Its deployments keep a snapshot of the settings they were built with.
struct Project
{
  std::string name; // a DNS label: the production hostname is <name>.<domain>
  std::string repo_url;
  std::string production_branch; // empty: the repository's default branch
  BuildSettings settings;
  // A production build that reaches DEPLOYED moves the production alias; a rollback turns
  // it off until the next promote.
  bool auto_promote = true;
  std::int64_t created_at_ms = 0;
};

// Ok for a name that can be a project's hostname label; otherwise a user error that
// spells out the rule (422).
util::Result<void> check_project_name(std::string_view name);

// The hostname label of a project's branch: "<project>--<slug>", where the slug is the
// branch lowercased with every run of other characters than [a-z0-9] turned into '-' and
// trimmed. When that lost information (so "feature/foo" and "feature_foo" differ) or the
// label would pass 63 characters, the slug is cut and "-" plus the first 6 hex digits of
// sha256(branch) appended.
std::string branch_label(std::string_view project, std::string_view branch);

// True when a deployment of `branch` in `project` is a production build (an empty
// branch is the repository's default one).
bool is_production_branch(const Project& project, std::string_view branch);

} // namespace reactor::core
