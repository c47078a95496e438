#include "reactor/core/host_address.hpp"
#include "reactor/core/repo_url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

namespace reactor::core {

namespace {

namespace ip = boost::asio::ip;

std::string
numeric(std::string_view host)
{
  auto parsed = parse_numeric_ipv4(host);
  if (!parsed) {
    return "error";
  }
  return *parsed ? (*parsed)->to_string() : "name";
}

bool
reserved(std::string_view text)
{
  return reserved_range(ip::make_address(text)).has_value();
}

} // namespace

TEST(NumericHost, ReadsEveryIpv4SpellingAsBrowsersDo)
{
  const std::tuple<const char*, const char*> cases[] = {
    { "127.0.0.1", "127.0.0.1" },
    { "2130706433", "127.0.0.1" },
    { "0x7f000001", "127.0.0.1" },
    { "0X7F000001", "127.0.0.1" },
    { "0x7f.1", "127.0.0.1" },
    { "0177.0.0.1", "127.0.0.1" },
    { "0177.1", "127.0.0.1" },
    { "127.1", "127.0.0.1" },
    { "127.0.1", "127.0.0.1" },
    { "127.0.0.1.", "127.0.0.1" },
    { "0x7f.0x0.0x0.0x1", "127.0.0.1" },
    { "017700000001", "127.0.0.1" },
    { "0", "0.0.0.0" },
    { "0x", "0.0.0.0" },
    { "10.0.258", "10.0.1.2" },
    { "167772161", "10.0.0.1" },
    { "3232235521", "192.168.0.1" },
    { "0xa9fea9fe", "169.254.169.254" },
    { "8.8.8.8", "8.8.8.8" },
    { "github.com", "name" },
    { "example.com.", "name" },
    { "1.2.3.example", "name" },
    { "0x7g", "name" },
    { "256.0.0.1", "error" },
    { "1.2.3.4.5", "error" },
    { "4294967296", "error" },
    { "1.2.65536", "error" },
    { "08.0.0.1", "error" },
    { "1..2", "error" },
    { "example.0x1g.1", "error" },
  };
  for (const auto& [host, expected] : cases) {
    EXPECT_EQ(numeric(host), expected) << host;
  }
}

TEST(AddressRanges, RefusesLoopbackPrivateAndSpecialRanges)
{
  for (const char* address : { "0.0.0.0",
                               "0.1.2.3",
                               "10.1.2.3",
                               "100.64.0.1",
                               "100.127.255.255",
                               "127.0.0.1",
                               "127.255.0.9",
                               "169.254.169.254",
                               "172.16.0.1",
                               "172.31.255.255",
                               "192.0.0.8",
                               "192.168.1.1",
                               "198.18.0.1",
                               "224.0.0.1",
                               "239.255.255.250",
                               "240.0.0.1",
                               "255.255.255.255",
                               "::",
                               "::1",
                               "::ffff:127.0.0.1",
                               "::ffff:10.0.0.1",
                               "::ffff:169.254.169.254",
                               "::127.0.0.1",
                               "::192.168.0.1",
                               "64:ff9b::127.0.0.1",
                               "64:ff9b::a00:1",
                               "64:ff9b:1::1",
                               "2002:7f00:1::",
                               "2002:c0a8:101::1",
                               "fc00::1",
                               "fd12:3456::1",
                               "fe80::1",
                               "febf::1",
                               "fec0::1",
                               "ff02::1",
                               "2001:db8::1" }) {
    EXPECT_TRUE(reserved(address)) << address;
  }
}

TEST(AddressRanges, AcceptsPublicAddresses)
{
  for (const char* address : { "8.8.8.8",
                               "140.82.121.3",
                               "100.63.255.255",
                               "100.128.0.1",
                               "172.15.255.255",
                               "172.32.0.1",
                               "192.169.0.1",
                               "169.253.0.1",
                               "2606:4700::1111",
                               "2a00:1450:4001::200e",
                               "::ffff:8.8.8.8",
                               "64:ff9b::808:808",
                               "2002:808:808::1" }) {
    EXPECT_FALSE(reserved(address)) << address;
  }
}

TEST(AddressRanges, LoopbackPassesOnlyWhenLocalReposAreAllowed)
{
  for (const char* text : { "127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1" }) {
    const auto address = ip::make_address(text);
    EXPECT_TRUE(is_loopback_address(address)) << text;
    ASSERT_TRUE(refused_address(address, false)) << text;
    EXPECT_NE(refused_address(address, false)->find("this machine"), std::string::npos);
    EXPECT_FALSE(refused_address(address, true)) << text;
  }
  // Private ranges stay refused even for development.
  for (const char* text : { "10.0.0.1", "192.168.1.1", "fd00::1", "0.0.0.0" }) {
    const auto address = ip::make_address(text);
    EXPECT_FALSE(is_loopback_address(address)) << text;
    ASSERT_TRUE(refused_address(address, true)) << text;
    EXPECT_NE(refused_address(address, true)->find("not a public address"), std::string::npos);
  }
  EXPECT_FALSE(refused_address(ip::make_address("8.8.8.8"), false));
}

TEST(RepoUrl, RefusesEverySpellingOfLoopbackAndPrivateHosts)
{
  for (const char* url : { "http://2130706433:8080/x.git",
                           "http://0x7f.1:8080/x.git",
                           "http://0x7f000001:8080/x.git",
                           "http://0177.0.0.1/x.git",
                           "http://127.1/x.git",
                           "http://127.0.0.1./x.git",
                           "http://[::ffff:127.0.0.1]:8080/x.git",
                           "http://[::ffff:7f00:1]/x.git",
                           "http://[::1]/x.git",
                           "http://[::]/x.git",
                           "http://0/x.git",
                           "http://0.0.0.0/x.git",
                           "http://LOCALHOST/x.git",
                           "http://localhost./x.git",
                           "http://10.0.0.1/x.git",
                           "http://167772161/x.git",
                           "http://172.16.5.4/x.git",
                           "http://192.168.0.1/x.git",
                           "http://169.254.169.254/latest/meta-data",
                           "http://0xa9fea9fe/x.git",
                           "http://100.64.1.1/x.git",
                           "http://224.0.0.1/x.git",
                           "http://[fc00::1]/x.git",
                           "http://[fe80::1]/x.git",
                           "http://[64:ff9b::7f00:1]/x.git",
                           "git://[::ffff:10.0.0.1]/x.git",
                           "https://256.1.1.1/x.git",
                           "https://1.2.3.4.5/x.git",
                           "https://%31%32%37.0.0.1/x.git",
                           "http://[v1.fe80::1]/x.git",
                           "http://1.2.3.4.evil.example/x.git",
                           "http://8.8.8.8.127.0.0.1:80/x.git" }) {
    EXPECT_FALSE(validate_repo_url(url, false)) << url;
  }
}

TEST(RepoUrl, AllowLocalReposAcceptsLoopbackButNotPrivateNetworks)
{
  for (const char* url : { "http://0x7f000001:8080/x.git",
                           "http://[::ffff:127.0.0.1]:8080/x.git",
                           "http://localhost:8080/x.git",
                           "http://[::1]/x.git" }) {
    EXPECT_TRUE(validate_repo_url(url, true)) << url;
  }
  for (const char* url : { "http://10.0.0.1/x.git", "http://[fd00::1]/x.git", "http://0/x.git" }) {
    EXPECT_FALSE(validate_repo_url(url, true)) << url;
  }
  EXPECT_TRUE(validate_repo_url("https://8.8.8.8/x.git", false));
  EXPECT_TRUE(validate_repo_url("https://0x08080808/x.git", false));
  EXPECT_TRUE(validate_repo_url("https://[2606:4700::1111]/x.git", false));
}

TEST(RepoUrl, SaysWhyAnAddressIsRefused)
{
  const auto refused = validate_repo_url("http://0x7f000001:9/x.git", false);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("127.0.0.1"), std::string::npos);
  EXPECT_NE(refused.error().message.find("--allow-local-repos"), std::string::npos);
  const auto private_range = validate_repo_url("http://192.168.1.1/x.git", false);
  ASSERT_FALSE(private_range);
  EXPECT_NE(private_range.error().message.find("private 192.168.0.0/16"), std::string::npos);
  const auto invalid = validate_repo_url("http://1.2.3.256/x.git", false);
  ASSERT_FALSE(invalid);
  EXPECT_NE(invalid.error().message.find("not a valid IPv4 address"), std::string::npos);
}

} // namespace reactor::core
