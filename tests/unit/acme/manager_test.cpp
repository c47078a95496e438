#include "reactor/acme/manager.hpp"

#include <gtest/gtest.h>

namespace reactor::acme {
namespace {

using Names = std::vector<std::vector<std::string>>;

TEST(WantedCertificates, TheDomainItsWildcardWithAHookThenEachActiveCustomDomain)
{
  Settings settings{ .dns01_hook = { "/usr/local/bin/dns-hook" }, .domain = "example.com" };
  const std::vector<core::CustomDomain> active{ { .domain = "www.shop.test", .project = "shop" },
                                                { .domain = "blog.test", .project = "blog" } };
  EXPECT_EQ(wanted_certificates(settings, active),
            (Names{ { "example.com", "*.example.com" }, { "www.shop.test" }, { "blog.test" } }));
  settings.dns01_hook.clear();
  EXPECT_EQ(wanted_certificates(settings, {}), (Names{ { "example.com" } }));
}

TEST(WantedCertificates, NoneForADomainWhoseDnsMovedAwaySinceItBecameActive)
{
  const Settings settings{ .domain = "example.com" };
  const std::vector<core::CustomDomain> active{
    { .domain = "moved.test", .project = "shop", .last_error = "moved.test no longer points here" },
    { .domain = "blog.test", .project = "blog" }
  };
  EXPECT_EQ(wanted_certificates(settings, active), (Names{ { "example.com" }, { "blog.test" } }));
}

} // namespace
} // namespace reactor::acme
