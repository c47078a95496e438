#include "reactor/core/project.hpp"
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
}

} // namespace
} // namespace reactor::core
