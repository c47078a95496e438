#include "reactor/builder/build_env.hpp"

#include <gtest/gtest.h>

namespace reactor::builder {
namespace {

constexpr util::SecretKey k_key{ 7 };

core::EnvVariable
variable(std::string name, std::string_view value)
{
  auto sealed = util::seal(k_key, value, core::env_associated_data("shop", name));
  return { .name = std::move(name), .sealed = std::move(sealed) };
}

std::string
url(std::string_view label)
{
  return "https://" + std::string(label) + ".example.com";
}

core::Deployment
deployment(std::string branch)
{
  return { .id = "abcde12345", .ref = branch, .project = "shop", .branch = std::move(branch) };
}

const std::vector<core::EnvVariable> k_variables{ variable("API_KEY", "api-key-value"),
                                                  variable("SHORT", "short") };

TEST(BuildEnv, AProductionBuildGetsItsVariablesOpenedAndItsUrls)
{
  auto environment =
    build_environment(deployment("main"), true, k_variables, &k_key, "c0ffee", url);
  ASSERT_TRUE(environment) << environment.error().message;
  const auto& variables = environment->variables;
  EXPECT_EQ(variables.at("API_KEY"), "api-key-value");
  EXPECT_EQ(variables.at("SHORT"), "short");
  EXPECT_EQ(variables.at("REACTOR_ENV"), "production");
  EXPECT_EQ(variables.at("REACTOR_URL"), "https://abcde12345.example.com");
  EXPECT_EQ(variables.at("REACTOR_BRANCH_URL"), "https://shop--main.example.com");
  EXPECT_EQ(variables.at("REACTOR_GIT_BRANCH"), "main");
  EXPECT_EQ(variables.at("REACTOR_GIT_COMMIT_SHA"), "c0ffee");
  EXPECT_EQ(environment->names, (std::vector<std::string>{ "API_KEY", "SHORT" }));
  EXPECT_EQ(environment->secrets, (std::vector<std::string>{ "api-key-value", "short" }));
}

TEST(BuildEnv, APreviewSaysSo)
{
  auto environment = build_environment(deployment("feature/x"), false, {}, nullptr, "c0ffee", url);
  ASSERT_TRUE(environment) << environment.error().message;
  EXPECT_EQ(environment->variables.at("REACTOR_ENV"), "preview");
  EXPECT_EQ(environment->variables.at("REACTOR_GIT_BRANCH"), "feature/x");
  EXPECT_TRUE(environment->names.empty());
}

TEST(BuildEnv, ADeploymentOfNoProjectHasNoBranchUrl)
{
  const core::Deployment plain{ .id = "abcde12345", .ref = "dev" };
  auto environment = build_environment(plain, false, {}, nullptr, "c0ffee", url);
  ASSERT_TRUE(environment) << environment.error().message;
  EXPECT_EQ(environment->variables.at("REACTOR_ENV"), "preview");
  EXPECT_EQ(environment->variables.at("REACTOR_GIT_BRANCH"), "dev");
  EXPECT_FALSE(environment->variables.contains("REACTOR_BRANCH_URL"));
}

TEST(BuildEnv, AVariableThatDoesNotOpenFailsForGood)
{
  constexpr util::SecretKey k_other{ 8 };
  auto environment = build_environment(deployment("main"), true, k_variables, &k_other, "c", url);
  ASSERT_FALSE(environment);
  EXPECT_FALSE(environment.error().retryable);
  EXPECT_NE(environment.error().message.find("API_KEY"), std::string::npos);
  EXPECT_FALSE(build_environment(deployment("main"), true, k_variables, nullptr, "c", url));
  auto moved = deployment("main");
  moved.project = "other"; // sealed for shop's variable: it cannot be read as another's
  EXPECT_FALSE(build_environment(moved, true, k_variables, &k_key, "c", url));
}

} // namespace
} // namespace reactor::builder
