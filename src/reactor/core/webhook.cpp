#include "reactor/core/webhook.hpp"

#include "reactor/core/project.hpp"
#include "reactor/util/sha256.hpp"
#include "reactor/util/text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace reactor::core {

namespace {

constexpr std::string_view k_branch_prefix = "refs/heads/";

// The string at `path` (keys, one per level) of `json`, or "" when any part is missing.
std::string_view
text_at(const boost::json::value& json, std::initializer_list<std::string_view> path)
{
  const boost::json::value* at = &json;
  for (const auto key : path) {
    const auto* object = at->if_object();
    if (object == nullptr) {
      return {};
    }
    at = object->if_contains(key);
    if (at == nullptr) {
      return {};
    }
  }
  const auto* text = at->if_string();
  return text == nullptr ? std::string_view{} : std::string_view(*text);
}

// The integer at `path`, or 0.
std::int64_t
number_at(const boost::json::value& json, std::initializer_list<std::string_view> path)
{
  const boost::json::value* at = &json;
  for (const auto key : path) {
    const auto* object = at->if_object();
    if (object == nullptr) {
      return 0;
    }
    at = object->if_contains(key);
    if (at == nullptr) {
      return 0;
    }
  }
  const auto* number = at->if_int64();
  return number == nullptr ? 0 : *number;
}

bool
is_commit(std::string_view text)
{
  return text.size() == 40 && std::ranges::all_of(text, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// All zeros: the "after" of a push that deleted its branch.
bool
is_null_commit(std::string_view text)
{
  return !text.empty() && std::ranges::all_of(text, [](char c) { return c == '0'; });
}

// The decoded value of `name` in an application/x-www-form-urlencoded body.
util::Result<std::string>
form_value(std::string_view body, std::string_view name)
{
  while (!body.empty()) {
    const auto end = body.find('&');
    const std::string_view pair = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    const auto equals = pair.find('=');
    if (pair.substr(0, equals) != name || equals == std::string_view::npos) {
      continue;
    }
    std::string encoded(pair.substr(equals + 1));
    std::ranges::replace(encoded, '+', ' ');
    auto value = util::percent_decode(encoded);
    if (!value) {
      return util::fail("The form body has a malformed %-escape in '" + std::string(name) + "'");
    }
    return std::move(*value);
  }
  return util::fail("The form body has no '" + std::string(name) +
                    "' field: send the payload as JSON, or as the form field 'payload'");
}

util::Result<boost::json::value>
parse_payload(const WebhookDelivery& delivery)
{
  std::string form_payload;
  std::string_view json = delivery.body;
  if (delivery.content_type.starts_with("application/x-www-form-urlencoded")) {
    auto payload = form_value(delivery.body, "payload");
    if (!payload) {
      return std::unexpected(payload.error());
    }
    form_payload = std::move(*payload);
    json = form_payload;
  }
  boost::system::error_code error;
  auto value = boost::json::parse(json, error);
  if (error || !value.is_object()) {
    return util::fail("The webhook's body is not a JSON object: is this endpoint's provider (" +
                      std::string(to_string(delivery.provider)) + ") the one sending it?");
  }
  return value;
}

GitEvent
ignored(std::string reason)
{
  return GitEvent{ .reason = std::move(reason) };
}

// A push: `ref` moved to `after`; an all-zero `after` deleted it. A tag keeps its full
// name ("refs/tags/v2"), which is how a tag stands where a branch would.
util::Result<GitEvent>
read_push(std::string_view ref, std::string_view after, bool deleted)
{
  GitEvent event;
  if (is_tag_ref(ref)) {
    event.branch = std::string(ref);
  } else if (ref.starts_with(k_branch_prefix)) {
    event.branch = std::string(ref.substr(k_branch_prefix.size()));
  } else {
    return util::fail("The push names no branch or tag ('ref' is '" + std::string(ref) + "')");
  }
  if (deleted || is_null_commit(after)) {
    event.action = GitAction::drop_alias;
    return event;
  }
  if (!is_commit(after)) {
    return util::fail("The push names no commit: 'after' is '" + std::string(after) +
                      "', not 40 hex digits");
  }
  event.action = GitAction::build;
  event.commit = std::string(after);
  return event;
}

// A pull request's change, in GitHub's and Gitea's words.
util::Result<GitEvent>
read_pull_request(const boost::json::value& json)
{
  const std::string_view action = text_at(json, { "action" });
  const auto number = number_at(json, { "number" });
  if (number <= 0) {
    return util::fail("The pull request event has no 'number'");
  }
  GitEvent event;
  event.pull_request = static_cast<int>(number);
  event.branch = std::string(text_at(json, { "pull_request", "head", "ref" }));
  if (action == "closed") {
    event.action = GitAction::drop_alias;
    return event;
  }
  if (action != "opened" && action != "reopened" && action != "synchronize" &&
      action != "synchronized") {
    return ignored("pull request action '" + std::string(action) + "' changes no code");
  }
  const std::string_view head = text_at(json, { "pull_request", "head", "sha" });
  if (!is_commit(head)) {
    return util::fail("The pull request event has no head commit ('pull_request.head.sha')");
  }
  event.action = GitAction::build;
  event.commit = std::string(head);
  // A fork's repository is another one; a deleted fork has none left.
  const std::string_view head_repo = text_at(json, { "pull_request", "head", "repo", "full_name" });
  event.from_fork = head_repo.empty() ||
                    head_repo != text_at(json, { "pull_request", "base", "repo", "full_name" });
  return event;
}

util::Result<GitEvent>
read_github_like(std::string_view kind, const boost::json::value& json)
{
  if (kind == "ping") {
    return GitEvent{ .action = GitAction::ping };
  }
  if (kind == "push") {
    const auto* deleted = json.as_object().if_contains("deleted");
    // An annotated tag's `after` is the tag object; the commit is the head commit's.
    const std::string_view head = text_at(json, { "head_commit", "id" });
    const std::string_view ref = text_at(json, { "ref" });
    return read_push(ref,
                     is_tag_ref(ref) && is_commit(head) ? head : text_at(json, { "after" }),
                     deleted != nullptr && deleted->is_bool() && deleted->get_bool());
  }
  if (kind == "delete") { // Gitea's deletion of a branch or tag
    const std::string_view type = text_at(json, { "ref_type" });
    if (type != "branch" && type != "tag") {
      return ignored("only deleted branches and tags change aliases");
    }
    const std::string_view name = text_at(json, { "ref" });
    return GitEvent{ .action = GitAction::drop_alias,
                     .branch = type == "tag" ? std::string(k_tag_ref_prefix) + std::string(name)
                                             : std::string(name) };
  }
  if (kind.starts_with("pull_request")) {
    return read_pull_request(json);
  }
  return ignored("the event '" + std::string(kind) + "' is not one Reactor acts on");
}

util::Result<GitEvent>
read_gitlab(std::string_view kind, const boost::json::value& json)
{
  if (kind == "Push Hook" || kind == "Tag Push Hook") {
    // A deleted ref's checkout_sha is null; a tag's is the commit it names.
    const std::string_view checkout = text_at(json, { "checkout_sha" });
    return read_push(
      text_at(json, { "ref" }), checkout.empty() ? text_at(json, { "after" }) : checkout, false);
  }
  if (kind != "Merge Request Hook") {
    return ignored("the event '" + std::string(kind) + "' is not one Reactor acts on");
  }
  const std::string_view action = text_at(json, { "object_attributes", "action" });
  GitEvent event;
  event.pull_request = static_cast<int>(number_at(json, { "object_attributes", "iid" }));
  if (event.pull_request <= 0) {
    return util::fail("The merge request event has no 'object_attributes.iid'");
  }
  event.branch = std::string(text_at(json, { "object_attributes", "source_branch" }));
  if (action == "close" || action == "merge") {
    event.action = GitAction::drop_alias;
    return event;
  }
  if (action != "open" && action != "reopen" && action != "update") {
    return ignored("merge request action '" + std::string(action) + "' changes no code");
  }
  const std::string_view head = text_at(json, { "object_attributes", "last_commit", "id" });
  if (!is_commit(head)) {
    return util::fail(
      "The merge request event has no head commit ('object_attributes.last_commit.id')");
  }
  event.action = GitAction::build;
  event.commit = std::string(head);
  event.from_fork = number_at(json, { "object_attributes", "source_project_id" }) !=
                    number_at(json, { "object_attributes", "target_project_id" });
  return event;
}

} // namespace

std::optional<GitProvider>
parse_git_provider(std::string_view text)
{
  if (text == "github") {
    return GitProvider::github;
  }
  if (text == "gitlab") {
    return GitProvider::gitlab;
  }
  if (text == "gitea" || text == "forgejo") {
    return GitProvider::gitea;
  }
  return std::nullopt;
}

std::string_view
to_string(GitProvider provider)
{
  switch (provider) {
    case GitProvider::github:
      return "github";
    case GitProvider::gitlab:
      return "gitlab";
    case GitProvider::gitea:
      return "gitea";
  }
  return "github";
}

bool
is_authentic(const WebhookDelivery& delivery, std::string_view secret)
{
  if (secret.empty() || delivery.signature.empty()) {
    return false;
  }
  if (delivery.provider == GitProvider::gitlab) {
    return util::equal_in_constant_time(delivery.signature, secret);
  }
  std::string_view signature = delivery.signature;
  if (delivery.provider == GitProvider::github) {
    constexpr std::string_view k_scheme = "sha256=";
    if (!signature.starts_with(k_scheme)) {
      return false;
    }
    signature.remove_prefix(k_scheme.size());
  }
  const auto expected = util::to_hex(util::hmac_sha256(secret, delivery.body));
  return util::equal_in_constant_time(signature, expected);
}

util::Result<GitEvent>
read_git_event(const WebhookDelivery& delivery)
{
  if (delivery.event.empty()) {
    return util::fail("The delivery names no event: send the provider's event header");
  }
  auto json = parse_payload(delivery);
  if (!json) {
    return std::unexpected(json.error());
  }
  return delivery.provider == GitProvider::gitlab ? read_gitlab(delivery.event, *json)
                                                  : read_github_like(delivery.event, *json);
}

} // namespace reactor::core
