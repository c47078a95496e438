#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/util/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reactor::core {

// Which hostnames of a project ask for its password: none, every one but production's
// (`<project>.<domain>`), or all, the `<id>` hostnames of its deployments included.
enum class Protection
{
  off,
  previews,
  all
};

std::string_view to_string(Protection protection);
std::optional<Protection> parse_protection(std::string_view text);

// Skew protection's defaults and bounds: how many days an alias's earlier deployments
// keep serving the assets their pages ask for, and how many of them are looked in.
constexpr int k_default_skew_window_days = 7;
constexpr int k_default_skew_max_deployments = 5;
constexpr int k_max_skew_window_days = 90;
constexpr int k_max_skew_deployments = 20;

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
  Protection protection = Protection::off;
  std::string password_hash; // util::hash_password's; "" for none
  std::string bypass_hash;   // util::token_hash of the bypass token; "" for none
  int skew_window_days = k_default_skew_window_days;         // 0: no skew protection
  int skew_max_deployments = k_default_skew_max_deployments; // 0: no skew protection
  // Git webhooks: a pushed tag builds a preview; a pull request from a fork builds one
  // (with none of the project's variables).
  bool deploy_tags = false;
  bool build_fork_pull_requests = false;

  bool operator==(const Project&) const = default;
};

// Ok for a name that can be a project's hostname label; otherwise a user error that
// spells out the rule (422).
util::Result<void> check_project_name(std::string_view name);

// How a tag is named where a branch would be (a deployment's branch, an alias's): Git's
// full name, "refs/tags/<tag>", which no branch can be mistaken for.
constexpr std::string_view k_tag_ref_prefix = "refs/tags/";
bool is_tag_ref(std::string_view branch);

// The hostname label of a project's branch: "<project>--<slug>", where the slug is the
// branch lowercased with every run of other characters than [a-z0-9] turned into '-' and
// trimmed. When that lost information (so "feature/foo" and "feature_foo" differ) or the
// label would pass 63 characters, the slug is cut and "-" plus the first 6 hex digits of
// sha256(branch) appended. A tag's ("refs/tags/v2") slug is "tag-" and the tag's ("tag-v2").
std::string branch_label(std::string_view project, std::string_view branch);

// The hostname label of a pull request's preview: "<project>--pr-<number>".
std::string pull_request_label(std::string_view project, int number);

// The project a hostname label names: the label itself for production, the part before
// "--" for a branch.
std::string_view label_project(std::string_view label);

// True when `protection` asks for the password on hostname `label` of `project` (a
// deployment's `<id>` is a label too).
bool is_protected(Protection protection, std::string_view project, std::string_view label);

// True when a deployment of `branch` in `project` is a production build (an empty
// branch is the repository's default one).
bool is_production_branch(const Project& project, std::string_view branch);

// True when the deployment is a production build of the project: of its production branch,
// and not a pull request's preview.
bool is_production_deployment(const Project& project, const Deployment& deployment);

} // namespace reactor::core
