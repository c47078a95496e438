#include "reactor/core/build_settings.hpp"
#include "reactor/core/deploy_request.hpp"
#include "reactor/core/repo_url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

namespace reactor::core {

namespace {

std::string
error_of(std::string_view body, bool allow_local = false)
{
  auto parsed = parse_deploy_request(body, allow_local);
  return parsed ? std::string() : parsed.error().message;
}

} // namespace

TEST(RepoUrl, AcceptsPublicGitUrls)
{
  for (const char* url : { "https://github.com/owner/app.git",
                           "http://example.com/app",
                           "git://example.com/app.git",
                           "HTTPS://GitHub.com/Owner/App" }) {
    EXPECT_TRUE(validate_repo_url(url, false)) << url;
  }
}

TEST(RepoUrl, RefusesWhatCouldReachTheHostOrRunCommands)
{
  const std::tuple<const char*, const char*> cases[] = {
    { "", "empty" },
    { "-uhttps://x", "must not start with '-'" },
    { "ext::sh -c touch% /tmp/x", "spaces" },
    { "ext::sh", "scheme 'ext'" },
    { "ssh://git@github.com/a/b", "scheme 'ssh'" },
    { "git@github.com:a/b.git", "not a URL" },
    { "file:///etc", "--allow-local-repos" },
    { "https://127.0.0.1/a.git", "this machine" },
    { "https://localhost:3000/a.git", "this machine" },
    { "https://app.localhost/a.git", "this machine" },
    { "https://[::1]/a.git", "this machine" },
    { "https://user:pw@github.com/a/b", "credentials" },
    { "https:///a/b", "no host" },
  };
  for (const auto& [url, message] : cases) {
    auto result = validate_repo_url(url, false);
    ASSERT_FALSE(result) << url;
    EXPECT_NE(result.error().message.find(message), std::string::npos)
      << url << ": " << result.error().message;
  }
}

TEST(RepoUrl, LocalRepositoriesOnlyWhenAllowed)
{
  EXPECT_TRUE(validate_repo_url("file:///tmp/repo", true));
  EXPECT_TRUE(validate_repo_url("http://127.0.0.1:8080/repo.git", true));
  EXPECT_FALSE(validate_repo_url("file:///tmp/repo", false));
}

TEST(Ref, AcceptsBranchesTagsAndCommitsRefusesOptions)
{
  for (const char* ref :
       { "main", "feature/x", "v1.2.3", "0123456789abcdef0123456789abcdef01234567" }) {
    EXPECT_TRUE(validate_ref(ref)) << ref;
  }
  for (const char* ref :
       { "", "-b", "--upload-pack=x", "a..b", "a b", "a~1", "x.lock", "/a", "a/" }) {
    EXPECT_FALSE(validate_ref(ref)) << ref;
  }
}

TEST(DeployRequest, ParsesEveryField)
{
  auto parsed = parse_deploy_request(
    R"({"repoUrl":"https://github.com/o/a.git","ref":"main","rootDir":"./apps/web/",
        "installCommand":"npm i","buildCommand":"npm run build:prod","outputDir":"public",
        "env":{"VITE_API_URL":"https://api.example.com"},"packageManager":"pnpm@10",
        "nodeVersion":"18"})",
    false);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->repo_url, "https://github.com/o/a.git");
  EXPECT_EQ(parsed->ref, "main");
  EXPECT_EQ(parsed->settings.root_dir, "apps/web");
  EXPECT_EQ(parsed->settings.install_command, "npm i");
  EXPECT_EQ(parsed->settings.build_command, "npm run build:prod");
  EXPECT_EQ(parsed->settings.output_dir, "public");
  EXPECT_EQ(parsed->settings.env.at("VITE_API_URL"), "https://api.example.com");
  EXPECT_EQ(parsed->settings.package_manager, "pnpm@10");
  EXPECT_EQ(parsed->settings.node_version, "18");
}

TEST(DeployRequest, AnUnknownFieldIsNamedWithTheFieldsThatExist)
{
  const auto error = error_of(R"({"repoUrl":"https://x.org/a","buildCmd":"npm run b"})");
  EXPECT_EQ(error,
            "unknown field 'buildCmd': POST /deploy takes repoUrl, ref, rootDir, installCommand, "
            "buildCommand, outputDir, packageManager, nodeVersion and env");
}

TEST(DeployRequest, SaysWhichFieldIsWrong)
{
  const std::tuple<const char*, const char*> cases[] = {
    { "{", "not valid JSON" },
    { "[]", "JSON object" },
    { "{}", "repoUrl is missing" },
    { R"({"repoUrl":1})", "repoUrl must be a string" },
    { R"({"repoUrl":"https://x.org/a","ref":1})", "ref must be a string" },
    { R"({"repoUrl":"https://x.org/a","rootDir":"../etc"})", "rootDir must be a relative folder" },
    { R"({"repoUrl":"https://x.org/a","rootDir":"/etc"})", "rootDir must be a relative folder" },
    { R"({"repoUrl":"https://x.org/a","outputDir":"a/../../b"})", "outputDir must be a relative" },
    { R"({"repoUrl":"https://x.org/a","buildCommand":5})", "buildCommand must be a string" },
    { R"({"repoUrl":"https://x.org/a","env":[]})", "env must be an object" },
    { R"({"repoUrl":"https://x.org/a","env":{"1X":"a"}})", "not a valid variable name" },
    { R"({"repoUrl":"https://x.org/a","env":{"PATH":"/evil"}})", "cannot set PATH" },
    { R"({"repoUrl":"https://x.org/a","env":{"A":1}})", "must be a string" },
    { R"({"repoUrl":"https://x.org/a","buildCmd":"x"})", "unknown field 'buildCmd'" },
    { R"({"repoUrl":"https://x.org/a","packageManager":"npx"})", "must name npm, yarn" },
    { R"({"repoUrl":"https://x.org/a","packageManager":"pnpm@"})", "wants a version" },
    { R"({"repoUrl":"https://x.org/a","packageManager":"pnpm@latest"})", "wants a version" },
    { R"({"repoUrl":"https://x.org/a","nodeVersion":"eighteen"})", "nodeVersion 'eighteen'" },
    { R"({"repoUrl":"https://x.org/a","nodeVersion":"lts/nope"})", "long-term support" },
  };
  for (const auto& [body, message] : cases) {
    const std::string error = error_of(body);
    EXPECT_NE(error.find(message), std::string::npos) << body << " → " << error;
  }
}

TEST(BuildSettings, RoundTripsThroughJson)
{
  BuildSettings settings{
    "apps/web", "pnpm i",  "pnpm build", "out", { { "A", "1" }, { "B", "two" } },
    "yarn@4",   "lts/iron"
  };
  auto parsed = parse_build_settings(to_json(settings));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->root_dir, settings.root_dir);
  EXPECT_EQ(parsed->install_command, settings.install_command);
  EXPECT_EQ(parsed->build_command, settings.build_command);
  EXPECT_EQ(parsed->output_dir, settings.output_dir);
  EXPECT_EQ(parsed->env, settings.env);
  EXPECT_EQ(parsed->package_manager, settings.package_manager);
  EXPECT_EQ(parsed->node_version, settings.node_version);
  EXPECT_EQ(to_json(BuildSettings{}), "{}");
}

} // namespace reactor::core
