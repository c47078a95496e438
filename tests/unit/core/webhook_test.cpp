#include "reactor/core/webhook.hpp"
#include "reactor/util/sha256.hpp"

#include <gtest/gtest.h>

namespace reactor::core {
namespace {

constexpr std::string_view k_commit = "0123456789abcdef0123456789abcdef01234567";

std::string
github_signature(std::string_view secret, std::string_view body)
{
  return "sha256=" + util::to_hex(util::hmac_sha256(secret, body));
}

TEST(WebhookSignature, MatchesGitHubsDocumentedExample)
{
  // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
  const std::string expected =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  EXPECT_EQ(github_signature("It's a Secret to Everybody", "Hello, World!"), expected);
  const WebhookDelivery delivery{ .provider = GitProvider::github,
                                  .signature = expected,
                                  .body = "Hello, World!" };
  EXPECT_TRUE(is_authentic(delivery, "It's a Secret to Everybody"));
}

TEST(WebhookSignature, RefusesWrongEmptyAndMissingSecretsOrSignatures)
{
  const std::string body = R"({"zen":"ok"})";
  const auto signature = github_signature("right", body);
  WebhookDelivery delivery{ .provider = GitProvider::github, .signature = signature, .body = body };
  EXPECT_TRUE(is_authentic(delivery, "right"));
  EXPECT_FALSE(is_authentic(delivery, "wrong"));
  EXPECT_FALSE(is_authentic(delivery, ""));
  const auto empty_key = github_signature("", body);
  delivery.signature = empty_key;
  EXPECT_FALSE(is_authentic(delivery, "")) << "an empty secret never matches";
  delivery.signature = "";
  EXPECT_FALSE(is_authentic(delivery, "right"));
  const std::string bare = util::to_hex(util::hmac_sha256("right", body));
  delivery.signature = bare;
  EXPECT_FALSE(is_authentic(delivery, "right")) << "GitHub's header carries the sha256= scheme";
  delivery.provider = GitProvider::gitea;
  EXPECT_TRUE(is_authentic(delivery, "right")) << "Gitea's is bare hex";
  delivery.body = R"({"zen":"changed"})";
  EXPECT_FALSE(is_authentic(delivery, "right"));
}

TEST(WebhookSignature, GitLabSendsTheSecretItself)
{
  WebhookDelivery delivery{ .provider = GitProvider::gitlab, .signature = "s3cret", .body = "{}" };
  EXPECT_TRUE(is_authentic(delivery, "s3cret"));
  EXPECT_FALSE(is_authentic(delivery, "s3cre"));
  delivery.signature = "";
  EXPECT_FALSE(is_authentic(delivery, ""));
}

GitEvent
read(GitProvider provider, std::string_view event, std::string_view body)
{
  auto read = read_git_event({ .provider = provider, .event = event, .body = body });
  EXPECT_TRUE(read) << (read ? "" : read.error().message);
  return read.value_or(GitEvent{});
}

TEST(GitEvents, GitHubPushBuildsTheExactCommitOfItsBranch)
{
  const auto event = read(GitProvider::github,
                          "push",
                          R"({"ref":"refs/heads/feature/x","after":")" + std::string(k_commit) +
                            R"(","deleted":false})");
  EXPECT_EQ(event.action, GitAction::build);
  EXPECT_EQ(event.branch, "feature/x");
  EXPECT_EQ(event.commit, k_commit);
  EXPECT_EQ(event.pull_request, 0);
}

TEST(GitEvents, DeletedBranchesAndTagsDropTheirAlias)
{
  auto event = read(GitProvider::github,
                    "push",
                    R"({"ref":"refs/heads/old","after":"0000000000000000000000000000000000000000",)"
                    R"("deleted":true})");
  EXPECT_EQ(event.action, GitAction::drop_alias);
  EXPECT_EQ(event.branch, "old");
  event = read(GitProvider::gitea, "delete", R"({"ref":"old","ref_type":"branch"})");
  EXPECT_EQ(event.action, GitAction::drop_alias);
  EXPECT_EQ(event.branch, "old");
  event = read(GitProvider::gitea, "delete", R"({"ref":"v1","ref_type":"tag"})");
  EXPECT_EQ(event.action, GitAction::drop_alias);
  EXPECT_EQ(event.branch, "refs/tags/v1");
  event = read(GitProvider::github,
               "push",
               R"({"ref":"refs/tags/v1","after":"0000000000000000000000000000000000000000",)"
               R"("deleted":true})");
  EXPECT_EQ(event.action, GitAction::drop_alias);
  EXPECT_EQ(event.branch, "refs/tags/v1");
}

TEST(GitEvents, PushedTagsBuildTheCommitTheyName)
{
  // A lightweight tag: `after` is the commit.
  auto event = read(GitProvider::github,
                    "push",
                    R"({"ref":"refs/tags/v1","after":")" + std::string(k_commit) + R"("})");
  EXPECT_EQ(event.action, GitAction::build);
  EXPECT_EQ(event.branch, "refs/tags/v1");
  EXPECT_EQ(event.commit, k_commit);
  // An annotated tag: `after` is the tag object; the head commit is what it names.
  const std::string tag_object(40, 'b');
  event = read(GitProvider::github,
               "push",
               R"({"ref":"refs/tags/v2","after":")" + tag_object + R"(","head_commit":{"id":")" +
                 std::string(k_commit) + R"("}})");
  EXPECT_EQ(event.action, GitAction::build);
  EXPECT_EQ(event.commit, k_commit);
  event = read(GitProvider::gitlab,
               "Tag Push Hook",
               R"({"ref":"refs/tags/v3","after":")" + tag_object + R"(","checkout_sha":")" +
                 std::string(k_commit) + R"("})");
  EXPECT_EQ(event.action, GitAction::build);
  EXPECT_EQ(event.branch, "refs/tags/v3");
  EXPECT_EQ(event.commit, k_commit);
}

TEST(GitEvents, PingAndOtherEvents)
{
  EXPECT_EQ(read(GitProvider::github, "ping", R"({"zen":"Keep it logically awesome."})").action,
            GitAction::ping);
  const auto issues = read(GitProvider::github, "issues", R"({"action":"opened"})");
  EXPECT_EQ(issues.action, GitAction::ignore);
  EXPECT_NE(issues.reason.find("issues"), std::string::npos);
}

std::string
pull_request_body(std::string_view action, std::string_view head_repo)
{
  return R"({"action":")" + std::string(action) +
         R"(","number":7,"pull_request":{"head":{"ref":"feat","sha":")" + std::string(k_commit) +
         R"(","repo":{"full_name":")" + std::string(head_repo) +
         R"("}},"base":{"repo":{"full_name":"acme/site"}}}})";
}

TEST(GitEvents, PullRequestsBuildPreviewsAndClosingDropsThem)
{
  for (const auto* action : { "opened", "reopened", "synchronize" }) {
    const auto event =
      read(GitProvider::github, "pull_request", pull_request_body(action, "acme/site"));
    EXPECT_EQ(event.action, GitAction::build) << action;
    EXPECT_EQ(event.pull_request, 7);
    EXPECT_EQ(event.branch, "feat");
    EXPECT_EQ(event.commit, k_commit);
    EXPECT_FALSE(event.from_fork);
  }
  EXPECT_EQ(
    read(GitProvider::gitea, "pull_request", pull_request_body("synchronized", "acme/site")).action,
    GitAction::build);
  EXPECT_TRUE(read(GitProvider::github, "pull_request", pull_request_body("opened", "someone/site"))
                .from_fork);
  EXPECT_EQ(
    read(GitProvider::github, "pull_request", pull_request_body("closed", "acme/site")).action,
    GitAction::drop_alias);
  EXPECT_EQ(
    read(GitProvider::github, "pull_request", pull_request_body("labeled", "acme/site")).action,
    GitAction::ignore);
}

TEST(GitEvents, GitLabPushesAndMergeRequests)
{
  auto event = read(GitProvider::gitlab,
                    "Push Hook",
                    R"({"object_kind":"push","ref":"refs/heads/main","checkout_sha":")" +
                      std::string(k_commit) + R"("})");
  EXPECT_EQ(event.action, GitAction::build);
  EXPECT_EQ(event.branch, "main");
  EXPECT_EQ(event.commit, k_commit);
  event = read(GitProvider::gitlab,
               "Push Hook",
               R"({"ref":"refs/heads/gone","checkout_sha":null,)"
               R"("after":"0000000000000000000000000000000000000000"})");
  EXPECT_EQ(event.action, GitAction::drop_alias);
  const std::string merge_request =
    R"({"object_kind":"merge_request","object_attributes":{"action":"update","iid":3,)"
    R"("source_branch":"feat","source_project_id":1,"target_project_id":1,)"
    R"("last_commit":{"id":")" +
    std::string(k_commit) + R"("}}})";
  event = read(GitProvider::gitlab, "Merge Request Hook", merge_request);
  EXPECT_EQ(event.action, GitAction::build);
  EXPECT_EQ(event.pull_request, 3);
  EXPECT_FALSE(event.from_fork);
}

TEST(GitEvents, GitHubFormBodiesCarryTheJsonInPayload)
{
  const auto read =
    read_git_event({ .provider = GitProvider::github,
                     .event = "push",
                     .content_type = "application/x-www-form-urlencoded",
                     .body = "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%2C%22"
                             "after%22%3A%220123456789abcdef0123456789abcdef012345"
                             "67%22%7D" });
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->branch, "main");
  EXPECT_EQ(read->commit, k_commit);
}

TEST(GitEvents, BodiesThatNoProviderSendsAreErrors)
{
  for (const std::string_view body :
       { "not json", "[]", R"({"ref":"refs/heads/main","after":"nope"})", R"({"ref":"main"})" }) {
    EXPECT_FALSE(read_git_event({ .provider = GitProvider::github, .event = "push", .body = body }))
      << body;
  }
  EXPECT_FALSE(read_git_event({ .provider = GitProvider::github, .event = "", .body = "{}" }));
  EXPECT_FALSE(read_git_event({ .provider = GitProvider::github,
                                .event = "push",
                                .content_type = "application/x-www-form-urlencoded",
                                .body = "other=1" }));
  EXPECT_FALSE(read_git_event({ .provider = GitProvider::github,
                                .event = "pull_request",
                                .body = R"({"action":"opened","number":1})" }));
}

} // namespace
} // namespace reactor::core
