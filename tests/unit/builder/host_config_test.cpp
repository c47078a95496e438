#include "reactor/builder/host_config.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <fstream>
#include <map>

namespace reactor::builder {

namespace {

using reactor::testing::TempDir;

void
write(const std::filesystem::path& file, std::string_view text)
{
  std::ofstream(file) << text;
}

struct Logged
{
  std::vector<std::string> lines;
  LogFn log()
  {
    return [this](std::string_view line) { lines.emplace_back(line); };
  }
};

} // namespace

TEST(HostConfigFile, NoFileSetsNothing)
{
  TempDir dir;
  Logged logged;
  auto host = read_host_config(dir.path(), logged.log());
  ASSERT_TRUE(host.has_value());
  EXPECT_TRUE(host->file.empty());
  EXPECT_TRUE(logged.lines.empty());
}

TEST(HostConfigFile, VercelJsonWinsOverNetlifyTomlAndProblemsAreLogged)
{
  TempDir dir;
  write(dir.path() / "vercel.json", R"({"buildCommand": "make", "crons": []})");
  write(dir.path() / "netlify.toml", "[build]\ncommand = \"other\"\n");
  Logged logged;
  auto host = read_host_config(dir.path(), logged.log());
  ASSERT_TRUE(host.has_value());
  EXPECT_EQ(host->file, "vercel.json");
  EXPECT_EQ(host->config.settings.build_command, "make");
  const std::vector<std::string> expected = {
    "[reactor] Read vercel.json: build command, 0 redirects and rewrites, 0 header rules",
    "[reactor] vercel.json: \"crons\": not supported; ignored",
    "[reactor] netlify.toml ignored: vercel.json applies",
  };
  EXPECT_EQ(logged.lines, expected);
}

TEST(HostConfigFile, MalformedOrLinkedFiles)
{
  TempDir dir;
  write(dir.path() / "netlify.toml", "[build\n");
  Logged logged;
  auto broken = read_host_config(dir.path(), logged.log());
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().fault, util::Fault::user);
  EXPECT_TRUE(broken.error().message.starts_with("netlify.toml, line 1: not valid TOML"))
    << broken.error().message;

  std::filesystem::remove(dir.path() / "netlify.toml");
  std::filesystem::create_symlink("/etc/passwd", dir.path() / "vercel.json");
  auto linked = read_host_config(dir.path(), logged.log());
  ASSERT_TRUE(linked.has_value());
  EXPECT_TRUE(linked->file.empty());
  EXPECT_EQ(logged.lines.back(),
            "[reactor] vercel.json is not a regular file (a symbolic link?); ignored");
}

TEST(HostConfigFile, RequestSettingsWinAndFileSettingsAreChecked)
{
  AppHostConfig host{ "netlify.toml", {} };
  host.config.settings.root_dir = "site/";
  host.config.settings.build_command = "make";
  host.config.settings.output_dir = "public";
  core::BuildSettings request;
  request.build_command = "npm run build";
  auto merged = with_host_settings(request, host);
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(merged->root_dir, "site");
  EXPECT_EQ(merged->build_command, "npm run build");
  EXPECT_EQ(merged->output_dir, "public");

  // Variables: the request's win over the file's of the same name; the file's Node.js
  // version applies when the request names none.
  host.config.settings.env = { { "A", "file" }, { "B", "file" } };
  host.config.settings.node_version = "18";
  request.env = { { "A", "request" } };
  merged = with_host_settings(request, host);
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(merged->env,
            (std::map<std::string, std::string>{ { "A", "request" }, { "B", "file" } }));
  EXPECT_EQ(merged->node_version, "18");

  host.config.settings.output_dir = "../elsewhere";
  auto refused = with_host_settings(request, host);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().fault, util::Fault::user);
  EXPECT_TRUE(refused.error().message.starts_with("netlify.toml: outputDir must be"))
    << refused.error().message;
}

} // namespace reactor::builder
