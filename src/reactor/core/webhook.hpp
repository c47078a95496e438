#pragma once

#include "reactor/util/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace reactor::core {

// The Git hosts whose webhooks Reactor reads: POST /hooks/<provider>/<project>.
enum class GitProvider
{
  github,
  gitlab,
  gitea // Forgejo too: it signs and words its deliveries as Gitea does
};

std::optional<GitProvider> parse_git_provider(std::string_view text);
std::string_view to_string(GitProvider provider);

// What a delivery carries, read from its headers by the handler.
struct WebhookDelivery
{
  GitProvider provider = GitProvider::github;
  // X-GitHub-Event, X-Gitea-Event (or X-Forgejo-Event), X-Gitlab-Event.
  std::string_view event;
  // X-Hub-Signature-256 ("sha256=<hex>"), X-Gitea-Signature or X-Forgejo-Signature (bare
  // hex), or X-Gitlab-Token (the secret itself).
  std::string_view signature;
  std::string_view content_type;
  std::string_view body; // the raw bytes, as signed
};

// True when the delivery was signed with `secret` (for GitLab: carries it), compared in
// constant time. An empty secret or signature never matches.
bool is_authentic(const WebhookDelivery& delivery, std::string_view secret);

// What a delivery asks of the project.
enum class GitAction
{
  ping,       // a webhook was set up: answer only
  build,      // build `commit` of `branch` (of pull request `pull_request` when > 0)
  drop_alias, // `branch` was deleted, or pull request `pull_request` closed
  ignore      // nothing to do; `reason` says why
};

struct GitEvent
{
  GitAction action = GitAction::ignore;
  std::string branch;   // the pushed branch or tag ("refs/tags/<tag>"), or a PR's source branch
  std::string commit;   // 40 hex digits: the exact commit to build
  int pull_request = 0; // its number (GitLab's iid), 0 for a push
  bool from_fork = false;
  std::string reason; // of an ignored event
};

// Reads what the (authentic) delivery asks for; the error, a 400, says why the body is not
// what the provider sends. JSON bodies, and GitHub's form bodies (JSON in `payload`).
util::Result<GitEvent> read_git_event(const WebhookDelivery& delivery);

} // namespace reactor::core
