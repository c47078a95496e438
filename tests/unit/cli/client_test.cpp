#include "reactor/cli/api_client.hpp"
#include "reactor/cli/commands.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace reactor::cli {

TEST(NormalizeServerUrl, AcceptsHttpUrlsAndDropsTrailingSlashes)
{
  EXPECT_EQ(normalize_server_url("http://127.0.0.1:3000/"), "http://127.0.0.1:3000");
  EXPECT_EQ(normalize_server_url("https://reactor.example.com"), "https://reactor.example.com");
  EXPECT_FALSE(normalize_server_url("127.0.0.1:3000").has_value());
  EXPECT_FALSE(normalize_server_url("http://").has_value());
  EXPECT_FALSE(normalize_server_url("ftp://host").has_value());
}

TEST(DeployRequestJson, SendsOnlyWhatWasGiven)
{
  DeployOptions options;
  options.repo_url = "https://github.com/o/r.git";
  const auto minimal = deploy_request_json(options);
  ASSERT_TRUE(minimal.has_value());
  EXPECT_EQ(boost::json::parse(*minimal),
            boost::json::parse(R"({"repoUrl":"https://github.com/o/r.git"})"));

  options.ref = "main";
  options.root_dir = "web";
  options.build_command = "npm run build:prod";
  options.output_dir = "out";
  options.install_command = "npm ci";
  options.env = { "VITE_A=1", "EMPTY=", "URL=http://x/?a=b" };
  options.package_manager = "pnpm@10";
  options.node_version = "18";
  const auto full = deploy_request_json(options);
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(boost::json::parse(*full), boost::json::parse(R"({
    "repoUrl": "https://github.com/o/r.git", "ref": "main", "rootDir": "web",
    "installCommand": "npm ci", "buildCommand": "npm run build:prod", "outputDir": "out",
    "packageManager": "pnpm@10", "nodeVersion": "18",
    "env": {"VITE_A": "1", "EMPTY": "", "URL": "http://x/?a=b"}})"));
}

TEST(EnvRequestJson, SendsTheValueAndTheScopesOnlyWhenGiven)
{
  EnvOptions options{ .project = "shop", .name = "API_KEY" };
  EXPECT_EQ(boost::json::parse(env_request_json(options, "s3cret\n")),
            boost::json::parse(R"({"value": "s3cret\n"})"));
  options.scopes = { "preview" };
  EXPECT_EQ(boost::json::parse(env_request_json(options, "")),
            boost::json::parse(R"({"value": "", "scopes": ["preview"]})"));
}

TEST(DeployRequestJson, RejectsEnvWithoutAName)
{
  DeployOptions options;
  options.repo_url = "https://github.com/o/r.git";
  for (const char* bad : { "NOVALUE", "=1" }) {
    options.env = { bad };
    const auto json = deploy_request_json(options);
    ASSERT_FALSE(json.has_value()) << bad;
    EXPECT_NE(json.error().message.find("NAME=value"), std::string::npos);
  }
}

} // namespace reactor::cli
