#include "reactor/core/deploy_hook.hpp"
#include "reactor/core/project.hpp"
#include "reactor/core/project_request.hpp"
#include "reactor/util/sha256.hpp"

#include <gtest/gtest.h>

namespace reactor::core {
namespace {

TEST(ProjectName, AcceptsDnsLabelsAndSpellsOutTheRuleOtherwise)
{
  EXPECT_TRUE(check_project_name("shop"));
  EXPECT_TRUE(check_project_name("my-shop-2"));
  EXPECT_TRUE(check_project_name("a"));
  EXPECT_TRUE(check_project_name(std::string(32, 'a')));
  for (const std::string_view bad : { "", "-shop", "shop-", "Shop", "my_shop", "shop.com" }) {
    const auto checked = check_project_name(bad);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().fault, util::Fault::user);
    EXPECT_NE(checked.error().message.find("lowercase letters, digits and single hyphens"),
              std::string::npos);
  }
  EXPECT_FALSE(check_project_name(std::string(33, 'a')));
  EXPECT_NE(check_project_name("my--shop").error().message.find("'--'"), std::string::npos);
  EXPECT_NE(check_project_name("www").error().message.find("reserved"), std::string::npos);
  EXPECT_NE(check_project_name("api").error().message.find("reserved"), std::string::npos);
  EXPECT_NE(check_project_name("abcde12345").error().message.find("deployment id"),
            std::string::npos);
  EXPECT_TRUE(check_project_name("abcde1234"));
}

TEST(BranchLabel, KeepsASlugThatLostNothingAndHashesOneThatDid)
{
  EXPECT_EQ(branch_label("shop", "main"), "shop--main");
  EXPECT_EQ(branch_label("shop", "fix-42"), "shop--fix-42");
  const std::string slash = branch_label("shop", "feature/foo");
  const std::string underscore = branch_label("shop", "feature_foo");
  EXPECT_EQ(slash, "shop--feature-foo-" + util::sha256_hex("feature/foo").substr(0, 6));
  EXPECT_NE(slash, underscore);
  EXPECT_EQ(branch_label("shop", "Main"), "shop--main-" + util::sha256_hex("Main").substr(0, 6));
}

TEST(BranchLabel, ATagsSlugSaysItIsOne)
{
  EXPECT_EQ(branch_label("shop", "refs/tags/v2"), "shop--tag-v2");
  EXPECT_EQ(branch_label("shop", "refs/tags/v1.0"),
            "shop--tag-v1-0-" + util::sha256_hex("refs/tags/v1.0").substr(0, 6));
  EXPECT_TRUE(is_tag_ref("refs/tags/v2"));
  EXPECT_FALSE(is_tag_ref("tags/v2"));
}

TEST(BranchLabel, StaysWithinOneDnsLabel)
{
  const std::string branch(100, 'b');
  const std::string label = branch_label("my-shop", branch);
  EXPECT_EQ(label.size(), 63u);
  EXPECT_TRUE(label.starts_with("my-shop--bbb"));
  EXPECT_TRUE(label.ends_with("-" + util::sha256_hex(branch).substr(0, 6)));
  EXPECT_NE(branch_label("my-shop", std::string(100, 'b')),
            branch_label("my-shop", std::string(101, 'b')));
}

TEST(Project, AnEmptyBranchOrTheProductionOneIsProduction)
{
  Project project{ .name = "shop", .production_branch = "main" };
  EXPECT_TRUE(is_production_branch(project, ""));
  EXPECT_TRUE(is_production_branch(project, "main"));
  EXPECT_FALSE(is_production_branch(project, "dev"));
  // A tag is never production, even one named like the production branch.
  EXPECT_FALSE(is_production_deployment(project, { .branch = "refs/tags/main" }));
  EXPECT_TRUE(is_production_deployment(project, { .branch = "main" }));
  EXPECT_FALSE(is_production_deployment(project, { .branch = "main", .pull_request = 4 }));
}

TEST(Protection, PreviewsProtectsEveryHostnameButProduction)
{
  EXPECT_FALSE(is_protected(Protection::off, "shop", "shop--main"));
  EXPECT_FALSE(is_protected(Protection::previews, "shop", "shop"));
  EXPECT_TRUE(is_protected(Protection::previews, "shop", "shop--main"));
  EXPECT_TRUE(is_protected(Protection::previews, "shop", "abcde12345"));
  EXPECT_TRUE(is_protected(Protection::all, "shop", "shop"));
  EXPECT_EQ(label_project("shop--feature-x"), "shop");
  EXPECT_EQ(label_project("shop"), "shop");
  EXPECT_EQ(parse_protection("previews"), Protection::previews);
  EXPECT_EQ(parse_protection("on"), std::nullopt);
}

TEST(ProjectPatch, ChangesOnlyTheFieldsSent)
{
  Project current{ .name = "shop",
                   .repo_url = "https://example.com/shop.git",
                   .production_branch = "main",
                   .settings = { .build_command = "npm run build", .output_dir = "dist" } };
  auto patched = parse_project_patch(
    current,
    R"({"productionBranch": "release", "buildCommand": "make", "outputDir": null,
        "autoPromote": false, "skewWindowDays": 3, "skewMaxDeployments": 2,
        "deployTags": true, "buildForkPullRequests": true})",
    false);
  ASSERT_TRUE(patched) << patched.error().message;
  const auto& project = patched->project;
  EXPECT_EQ(project.name, "shop");
  EXPECT_EQ(project.repo_url, current.repo_url);
  EXPECT_EQ(project.production_branch, "release");
  EXPECT_EQ(project.settings.build_command, "make");
  EXPECT_EQ(project.settings.output_dir, "");
  EXPECT_FALSE(project.auto_promote);
  EXPECT_EQ(project.skew_window_days, 3);
  EXPECT_EQ(project.skew_max_deployments, 2);
  EXPECT_TRUE(project.deploy_tags);
  EXPECT_TRUE(project.build_fork_pull_requests);
  EXPECT_FALSE(patched->secrets.password);
  EXPECT_FALSE(patched->secrets.new_bypass_token);
}

TEST(ProjectPatch, ProtectionNeedsAPasswordSentOrStored)
{
  const Project current{ .name = "shop", .repo_url = "https://example.com/shop.git" };
  const auto refused = parse_project_patch(current, R"({"protection": "previews"})", false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().fault, util::Fault::user);
  EXPECT_NE(refused.error().message.find("needs a password"), std::string::npos);

  auto protected_ = parse_project_patch(
    current, R"({"protection": "all", "password": "long enough", "newBypassToken": true})", false);
  ASSERT_TRUE(protected_) << protected_.error().message;
  EXPECT_EQ(protected_->project.protection, Protection::all);
  EXPECT_EQ(protected_->secrets.password, "long enough");
  EXPECT_TRUE(protected_->secrets.new_bypass_token);

  Project stored = current;
  stored.password_hash = "pbkdf2-sha256$…";
  EXPECT_TRUE(parse_project_patch(stored, R"({"protection": "previews"})", false));
  EXPECT_FALSE(parse_project_patch(stored, R"({"protection": "all", "password": ""})", false));
}

TEST(ProjectPatch, SaysWhatToFix)
{
  const Project current{ .name = "shop", .repo_url = "https://example.com/shop.git" };
  const auto error = [&](std::string_view body) {
    auto parsed = parse_project_patch(current, body, false);
    EXPECT_FALSE(parsed) << body;
    return parsed ? util::Error{} : parsed.error();
  };
  EXPECT_NE(error(R"({"buildCmd": "x"})").message.find("unknown field 'buildCmd'"),
            std::string::npos);
  EXPECT_NE(error(R"({"name": "other"})").message.find("name cannot change"), std::string::npos);
  EXPECT_EQ(error(R"({"protection": "on"})").fault, util::Fault::user);
  EXPECT_EQ(error(R"({"password": "short"})").fault, util::Fault::user);
  EXPECT_EQ(error(R"({"skewWindowDays": 91})").fault, util::Fault::user);
  EXPECT_EQ(error(R"({"skewWindowDays": "7"})").fault, util::Fault::infrastructure);
  EXPECT_EQ(error(R"({"skewMaxDeployments": -1})").fault, util::Fault::user);
  EXPECT_EQ(error(R"({"autoPromote": "yes"})").fault, util::Fault::infrastructure);
  EXPECT_EQ(error(R"({"deployTags": 1})").fault, util::Fault::infrastructure);
  EXPECT_NE(error("[]").message.find("JSON object"), std::string::npos);
  EXPECT_NE(error(R"({"env": {"A": "1"}})").message.find("PUT /projects/<name>/env/<NAME>"),
            std::string::npos)
    << "variables are never stored in a project's settings, in plain text";
  EXPECT_FALSE(parse_project_request(
    R"({"name": "shop", "repoUrl": "https://example.com/shop.git", "env": {}})", false));
}

} // namespace
TEST(DeployHookRequest, TakesANameAndABranchAndSaysWhatToFix)
{
  auto parsed = parse_deploy_hook_request(R"({"name": "cms-publish", "branch": "release/2"})");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->name, "cms-publish");
  EXPECT_EQ(parsed->branch, "release/2");
  EXPECT_EQ(parse_deploy_hook_request(R"({"name": "nightly"})").value().branch, "");
  for (const auto* body : { R"({"name": "has space"})",
                            R"({"name": ""})",
                            R"({"branch": "main"})",
                            R"({"name": "x", "branch": "-rf"})",
                            R"({"name": "x", "cron": "* * * * *"})",
                            "not json" }) {
    EXPECT_FALSE(parse_deploy_hook_request(body).has_value()) << body;
  }
  EXPECT_TRUE(parse_deploy_hook_request(R"({"name": "x", "branch": "-rf"})")
                .error()
                .message.starts_with("branch: "));
  EXPECT_FALSE(check_deploy_hook_name(std::string(65, 'a')).has_value());
  EXPECT_TRUE(check_deploy_hook_name(std::string(64, 'a')).has_value());
}

} // namespace reactor::core
