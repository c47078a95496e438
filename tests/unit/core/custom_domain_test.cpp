#include "reactor/core/custom_domain.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reactor::core {
namespace {

TEST(CustomDomain, IsAFullHostnameOutsideReactorsOwnDomain)
{
  EXPECT_EQ(check_custom_domain("WWW.Example.com.", "example.net").value(), "www.example.com");
  EXPECT_EQ(check_custom_domain("shop-1.co.uk", "localhost").value(), "shop-1.co.uk");
  for (const auto* bad : { "",
                           "example",
                           "10.0.0.1",
                           "*.example.com",
                           "exa mple.com",
                           "-x.example.com",
                           "x-.example.com",
                           "a..example.com" }) {
    const auto refused = check_custom_domain(bad, "example.net");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().fault, util::Fault::user) << bad;
  }
  EXPECT_FALSE(check_custom_domain(std::string(64, 'a') + ".com", "example.net"));
  EXPECT_FALSE(check_custom_domain("example.net", "example.net"));
  const auto own = check_custom_domain("shop.example.net", "example.net");
  ASSERT_FALSE(own);
  EXPECT_NE(own.error().message.find("Reactor's own domain"), std::string::npos);
  EXPECT_TRUE(check_custom_domain("notexample.net", "example.net"));
}

TEST(CustomDomain, PointsHereByCnameOrOurOwnAddresses)
{
  const std::vector<std::string> ours{ "192.0.2.10", "2001:db8::10" };
  EXPECT_TRUE(
    check_points_here("www.a.com", { .cname = "shop.example.net" }, "shop.example.net", ours));
  EXPECT_TRUE(
    check_points_here("a.com", { .addresses = { "192.0.2.10" } }, "shop.example.net", ours));
  EXPECT_TRUE(check_points_here(
    "a.com", { .addresses = { "192.0.2.10", "2001:db8::10" } }, "shop.example.net", ours));

  const auto message = [&](const DnsAnswer& answer, const std::vector<std::string>& ips) {
    const auto verdict = check_points_here("www.a.com", answer, "shop.example.net", ips);
    EXPECT_FALSE(verdict);
    return verdict ? std::string() : verdict.error().message;
  };
  EXPECT_EQ(message({}, ours),
            "www.a.com has no CNAME, A or AAAA record yet: add a CNAME record for www.a.com to "
            "shop.example.net");
  EXPECT_EQ(message({ .cname = "blog.example.net" }, ours),
            "www.a.com is a CNAME to blog.example.net: add a CNAME record for www.a.com to "
            "shop.example.net");
  // One address that is not ours is enough to send some visitors elsewhere.
  EXPECT_NE(message({ .addresses = { "192.0.2.10", "198.51.100.7" } }, ours)
              .find("points at 192.0.2.10, 198.51.100.7, not at this server"),
            std::string::npos);
  EXPECT_NE(message({ .addresses = { "192.0.2.10" } }, {}).find("no --public-ip"),
            std::string::npos);
}

} // namespace
} // namespace reactor::core
