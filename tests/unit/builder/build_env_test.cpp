#include "reactor/builder/build_env.hpp"

#include <gtest/gtest.h>

namespace reactor::builder {
namespace {

constexpr util::SecretKey k_key{ 7 };

core::EnvVariable
variable(std::string name, std::string_view value, core::EnvScopes scopes = {})
{
  auto sealed = util::seal(k_key, value, core::env_associated_data("shop", name));
  return { .name = std::move(name), .scopes = scopes, .sealed = std::move(sealed) };
}

std::string
url(std::string_view label)
{
  return "https://" + std::string(label) + ".example.com";
}

class BuildEnvTest : public ::testing::Test
{
protected:
  core::Project m_project{ .name = "shop", .repo_url = "x", .production_branch = "main" };
  std::vector<core::EnvVariable> m_variables{
    variable("BOTH", "both-value"),
    variable("PROD_ONLY", "prod-value", { .production = true, .preview = false }),
    variable("PREVIEW_ONLY", "short", { .production = false, .preview = true }),
  };

  core::Deployment deployment(std::string branch) const
  {
    return { .id = "abcde12345", .ref = branch, .project = "shop", .branch = std::move(branch) };
  }
};

TEST_F(BuildEnvTest, AProductionBuildGetsTheProductionVariablesAndItsUrls)
{
  auto environment =
    build_environment(deployment("main"), m_project, m_variables, &k_key, "c0ffee", url);
  ASSERT_TRUE(environment) << environment.error().message;
  const auto& variables = environment->variables;
  EXPECT_EQ(variables.at("BOTH"), "both-value");
  EXPECT_EQ(variables.at("PROD_ONLY"), "prod-value");
  EXPECT_FALSE(variables.contains("PREVIEW_ONLY"));
  EXPECT_EQ(variables.at("REACTOR_ENV"), "production");
  EXPECT_EQ(variables.at("REACTOR_URL"), "https://abcde12345.example.com");
  EXPECT_EQ(variables.at("REACTOR_BRANCH_URL"), "https://shop--main.example.com");
  EXPECT_EQ(variables.at("REACTOR_GIT_BRANCH"), "main");
  EXPECT_EQ(variables.at("REACTOR_GIT_COMMIT_SHA"), "c0ffee");
  EXPECT_EQ(environment->project_names, (std::vector<std::string>{ "BOTH", "PROD_ONLY" }));
  EXPECT_EQ(environment->secrets, (std::vector<std::string>{ "both-value", "prod-value" }));
}

TEST_F(BuildEnvTest, APreviewGetsThePreviewVariablesAndShortValuesAreNotMasked)
{
  auto environment =
    build_environment(deployment("feature/x"), m_project, m_variables, &k_key, "c0ffee", url);
  ASSERT_TRUE(environment) << environment.error().message;
  EXPECT_EQ(environment->variables.at("REACTOR_ENV"), "preview");
  EXPECT_EQ(environment->variables.at("PREVIEW_ONLY"), "short");
  EXPECT_FALSE(environment->variables.contains("PROD_ONLY"));
  EXPECT_EQ(environment->project_names, (std::vector<std::string>{ "BOTH", "PREVIEW_ONLY" }));
  EXPECT_EQ(environment->secrets, (std::vector<std::string>{ "both-value" }));
}

TEST_F(BuildEnvTest, ADeploymentOfNoProjectIsAPreviewWithoutABranchUrl)
{
  core::Deployment plain{ .id = "abcde12345", .ref = "dev" };
  auto environment = build_environment(plain, std::nullopt, {}, nullptr, "c0ffee", url);
  ASSERT_TRUE(environment) << environment.error().message;
  EXPECT_EQ(environment->variables.at("REACTOR_ENV"), "preview");
  EXPECT_EQ(environment->variables.at("REACTOR_GIT_BRANCH"), "dev");
  EXPECT_FALSE(environment->variables.contains("REACTOR_BRANCH_URL"));
}

TEST_F(BuildEnvTest, AVariableThatDoesNotOpenFailsForGood)
{
  constexpr util::SecretKey k_other{ 8 };
  auto environment =
    build_environment(deployment("main"), m_project, m_variables, &k_other, "c0ffee", url);
  ASSERT_FALSE(environment);
  EXPECT_FALSE(environment.error().retryable);
  EXPECT_NE(environment.error().message.find("BOTH"), std::string::npos);
  EXPECT_FALSE(build_environment(deployment("main"), m_project, m_variables, nullptr, "c", url));
}

} // namespace
} // namespace reactor::builder
