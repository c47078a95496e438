#include "reactor/builder/sandbox/sandbox.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace reactor::builder::sandbox {

namespace {

bool
has(const std::vector<std::string>& argv, std::string_view item)
{
  return std::ranges::find(argv, item) != argv.end();
}

// True when argv has `a b c` in a row.
bool
has_triple(const std::vector<std::string>& argv,
           std::string_view a,
           std::string_view b,
           std::string_view c)
{
  for (std::size_t i = 0; i + 2 < argv.size(); ++i) {
    if (argv[i] == a && argv[i + 1] == b && argv[i + 2] == c) {
      return true;
    }
  }
  return false;
}

SandboxSpec
spec(NetworkAccess network)
{
  SandboxSpec s;
  s.workspace = "/data/work/abc123xyz0";
  s.network = network;
  s.command = { "npm", "run", "build" };
  s.root_entries = { { "/bin", "usr/bin" }, { "/lib", "usr/lib" }, { "/sbin", "" } };
  return s;
}

} // namespace

TEST(SandboxArgv, NoNetworkIsAnEmptyNetworkNamespace)
{
  const auto argv = sandbox_argv(spec(NetworkAccess::none));
  EXPECT_TRUE(has(argv, "--unshare-net"));
  EXPECT_FALSE(has(argv, "--block-fd")) << "nothing to wait for";
}

TEST(SandboxArgv, AConfinedNetworkIsWaitedFor)
{
  const auto argv = sandbox_argv(spec(NetworkAccess::confined));
  // bwrap stays in the network namespace run_sandboxed starts it in: with --unshare-net it
  // would set up a loopback interface of its own, racing slirp4netns.
  EXPECT_FALSE(has(argv, "--unshare-net"));
  EXPECT_TRUE(has_triple(argv, "--block-fd", std::to_string(k_network_ready_fd), "--cap-drop"));
  EXPECT_EQ(k_network_ready_fd, 3);
}

TEST(SandboxArgv, ResolvesNamesThroughTheSandboxDns)
{
  for (const auto network : { NetworkAccess::confined, NetworkAccess::none }) {
    const auto argv = sandbox_argv(spec(network));
    EXPECT_TRUE(has_triple(
      argv, "--ro-bind", "/data/work/abc123xyz0/.sandbox/resolv.conf", "/etc/resolv.conf"));
    EXPECT_EQ(std::ranges::count(argv, "/etc/resolv.conf"), 1)
      << "never the host's, whose servers the sandbox may not reach";
    EXPECT_TRUE(has_triple(argv, "--ro-bind-try", "/etc/hosts", "/etc/hosts"));
  }

  reactor::testing::TempDir dir;
  ASSERT_TRUE(prepare_workspace(dir.path()).has_value());
  std::ifstream in(dir.path() / ".sandbox" / "resolv.conf");
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "nameserver 10.0.2.3\n");
}

TEST(SandboxArgv, PutsTheNodeAskedForInFrontOfPath)
{
  auto s = spec(NetworkAccess::none);
  EXPECT_FALSE(has(sandbox_argv(s), std::string(k_sandbox_node)));
  s.node_root = "/data/toolchains/node-18.20.8";
  s.extra_env = { "PATH=/workspace/home/.bun/bin:/usr/bin:/bin" };
  const auto argv = sandbox_argv(s);
  EXPECT_TRUE(has_triple(argv, "--ro-bind", "/data/toolchains/node-18.20.8", "/opt/node"));
  EXPECT_TRUE(
    has_triple(argv, "--setenv", "PATH", "/opt/node/bin:/workspace/home/.bun/bin:/usr/bin:/bin"));
  EXPECT_EQ(std::ranges::count(argv, "/opt/node/bin:/usr/local/bin:/usr/bin:/bin"), 0)
    << "only the PATH that wins is changed";
}

TEST(SandboxArgv, SharesTheCorepackHomeReadOnly)
{
  auto s = spec(NetworkAccess::confined);
  s.corepack_home = "/data/toolchains/corepack";
  const auto argv = sandbox_argv(s);
  EXPECT_TRUE(has_triple(argv, "--ro-bind", "/data/toolchains/corepack", "/opt/corepack"));
  EXPECT_TRUE(has_triple(argv, "--setenv", "COREPACK_HOME", "/opt/corepack"));
}

TEST(SandboxArgv, IsolatesEverything)
{
  const auto argv = sandbox_argv(spec(NetworkAccess::none));
  EXPECT_EQ(argv.front(), "bwrap");
  for (const auto* flag : { "--unshare-user",
                            "--unshare-pid",
                            "--unshare-ipc",
                            "--unshare-uts",
                            "--unshare-cgroup-try",
                            "--clearenv",
                            "--die-with-parent",
                            "--new-session" }) {
    EXPECT_TRUE(has(argv, flag)) << flag;
  }
  EXPECT_TRUE(has_triple(argv, "--uid", "1000", "--gid"));
  EXPECT_TRUE(has_triple(argv, "--cap-drop", "ALL", "--clearenv"));
  EXPECT_TRUE(has_triple(argv, "--ro-bind", "/usr", "/usr"));
  EXPECT_TRUE(has_triple(argv, "--symlink", "usr/bin", "/bin"));
  EXPECT_TRUE(has_triple(argv, "--ro-bind", "/sbin", "/sbin"));
  EXPECT_TRUE(has_triple(argv, "--tmpfs", "/tmp", "--bind"));
  EXPECT_TRUE(has_triple(argv, "--bind", "/data/work/abc123xyz0", "/workspace"));
  EXPECT_TRUE(has_triple(argv, "/workspace", "--ro-bind", "/data/work/abc123xyz0/.sandbox"))
    << "its identity files read-only, bound over the writable workspace";
  EXPECT_TRUE(
    has_triple(argv, "--ro-bind", "/data/work/abc123xyz0/.sandbox", "/workspace/.sandbox"));
  EXPECT_TRUE(
    has_triple(argv, "--ro-bind", "/data/work/abc123xyz0/.sandbox/passwd", "/etc/passwd"));
  EXPECT_TRUE(has_triple(argv, "--remount-ro", "/", "--chdir"));
  EXPECT_TRUE(has_triple(argv, "--chdir", "/workspace/src", "--setenv"));
  EXPECT_FALSE(has_triple(argv, "--ro-bind", "/etc/passwd", "/etc/passwd"));
  EXPECT_FALSE(has(argv, "/etc/shadow"));
  EXPECT_FALSE(has(argv, "/etc/ssl"));
  EXPECT_TRUE(has_triple(argv, "--ro-bind-try", "/etc/ssl/certs", "/etc/ssl/certs"));
  EXPECT_FALSE(has(argv, "--bind-try"));
  const auto separator = std::ranges::find(argv, "--");
  ASSERT_NE(separator, argv.end());
  EXPECT_EQ(std::vector<std::string>(separator + 1, argv.end()),
            (std::vector<std::string>{ "npm", "run", "build" }));
  for (auto it = argv.begin(); it != separator; ++it) {
    if (*it == "--bind") {
      EXPECT_EQ(*(it + 2), "/workspace") << "only the workspace is writable";
    }
  }

  // A build cache's folder, bound inside the workspace after it.
  auto cached = spec(NetworkAccess::none);
  cached.workspace_binds = { { "/data/cache/build/k/node_modules%2F.cache",
                               "/workspace/src/node_modules/.cache" } };
  const auto with_cache = sandbox_argv(cached);
  const auto workspace_bind = std::ranges::find(with_cache, "/data/work/abc123xyz0");
  const auto cache_bind =
    std::ranges::find(with_cache, "/data/cache/build/k/node_modules%2F.cache");
  ASSERT_NE(cache_bind, with_cache.end());
  EXPECT_EQ(*(cache_bind - 1), "--bind");
  EXPECT_EQ(*(cache_bind + 1), "/workspace/src/node_modules/.cache");
  EXPECT_LT(workspace_bind, cache_bind);
}

TEST(SandboxArgv, PassesOnlyTheAllowListedEnvironment)
{
  ::setenv("REACTOR_SANDBOX_TEST_SECRET", "s3cr3t", 1);
  auto s = spec(NetworkAccess::none);
  s.extra_env = { "NODE_OPTIONS=--openssl-legacy-provider" };
  const auto argv = sandbox_argv(s);
  std::vector<std::string> names;
  for (std::size_t i = 0; i + 2 < argv.size(); ++i) {
    if (argv[i] == "--setenv") {
      names.push_back(argv[i + 1]);
    }
    EXPECT_EQ(argv[i].find("s3cr3t"), std::string::npos);
  }
  EXPECT_TRUE(has_triple(argv, "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin"));
  EXPECT_TRUE(has_triple(argv, "--setenv", "HOME", "/workspace/home"));
  EXPECT_TRUE(has_triple(argv, "--setenv", "LANG", "C.UTF-8"));
  EXPECT_TRUE(has_triple(argv, "--setenv", "npm_config_cache", "/workspace/home/.npm"));
  EXPECT_TRUE(has_triple(argv, "--setenv", "NODE_OPTIONS", "--openssl-legacy-provider"));
  EXPECT_EQ(std::ranges::count(names, "CI"), 0);
  EXPECT_EQ(std::ranges::count(names, "NODE_ENV"), 0);
  EXPECT_EQ(std::ranges::count(names, "REACTOR_SANDBOX_TEST_SECRET"), 0);
}

TEST(SandboxArgv, ReadsTheHostRootLayout)
{
  const auto entries = host_root_entries();
  const auto bin = std::ranges::find(entries, std::string("/bin"), &RootEntry::path);
  ASSERT_NE(bin, entries.end());
}

} // namespace reactor::builder::sandbox

namespace reactor::builder::sandbox {

TEST(SandboxArgv, StartsInTheGivenFolderWithABoundedTmp)
{
  auto s = spec(NetworkAccess::none);
  s.directory = "/workspace/src/apps/web";
  s.tmp_bytes = 64ULL << 20;
  const auto argv = sandbox_argv(s);
  const auto chdir = std::ranges::find(argv, "--chdir");
  ASSERT_NE(chdir, argv.end());
  EXPECT_EQ(*(chdir + 1), "/workspace/src/apps/web");
  EXPECT_TRUE(has_triple(argv, "--size", "67108864", "--tmpfs"));

  s.tmp_bytes = 0;
  EXPECT_FALSE(has(sandbox_argv(s), "--size"));
}

TEST(SandboxArgv, AddedVariablesComeAfterTheAllowList)
{
  auto s = spec(NetworkAccess::none);
  s.extra_env = { "PATH=/workspace/home/.bun/bin:/usr/bin", "VITE_API_URL=https://x" };
  const auto argv = sandbox_argv(s);
  std::vector<std::string> paths;
  for (std::size_t i = 0; i + 2 < argv.size(); ++i) {
    if (argv[i] == "--setenv" && argv[i + 1] == "PATH") {
      paths.push_back(argv[i + 2]);
    }
  }
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths.back(), "/workspace/home/.bun/bin:/usr/bin") << "bwrap keeps the last one";
  EXPECT_TRUE(has_triple(argv, "--setenv", "VITE_API_URL", "https://x"));
}

} // namespace reactor::builder::sandbox
