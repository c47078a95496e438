#include "reactor/builder/sandbox/sandbox_network.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <unistd.h>

namespace reactor::builder::sandbox {

TEST(SandboxNetwork, Slirp4netnsRefusesTheHostLoopbackAndRunsSandboxed)
{
  const auto argv = slirp4netns_argv("/usr/bin/slirp4netns", 4242);
  EXPECT_EQ(argv.front(), "/usr/bin/slirp4netns");
  for (const auto* flag : { "--configure",
                            "--mtu=65520",
                            "--disable-host-loopback",
                            "--enable-sandbox",
                            "--enable-seccomp",
                            "--ready-fd=3",
                            "--exit-fd=4" }) {
    EXPECT_EQ(std::ranges::count(argv, flag), 1) << flag;
  }
  ASSERT_GE(argv.size(), 2u);
  EXPECT_EQ(argv[argv.size() - 2], "4242");
  EXPECT_EQ(argv.back(), "tap0");
}

TEST(SandboxNetwork, SaysWhatToInstallWhenSlirp4netnsIsMissing)
{
  const auto missing = find_slirp4netns("reactor-no-such-slirp4netns");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("apt-get install slirp4netns"), std::string::npos)
    << missing.error().message;
  EXPECT_FALSE(find_slirp4netns("/nonexistent/slirp4netns").has_value());
}

TEST(SandboxNetwork, NeverConfiguresReactorsOwnNetwork)
{
  // slirp4netns --configure on a process in the host's namespace would add tap0 and a
  // default route to the host.
  const auto refused = start_sandbox_network("slirp4netns", ::getpid(), std::chrono::seconds(1));
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("refusing"), std::string::npos) << refused.error().message;
}

} // namespace reactor::builder::sandbox
