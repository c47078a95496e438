#include "reactor/tls/names.hpp"

#include <gtest/gtest.h>

namespace reactor::tls {
namespace {

TEST(TlsNames, ExactNamesMatchIgnoringCase)
{
  EXPECT_TRUE(name_matches("example.com", "example.com"));
  EXPECT_TRUE(name_matches("Example.COM", "example.com"));
  EXPECT_FALSE(name_matches("example.com", "www.example.com"));
  EXPECT_FALSE(name_matches("example.com", ""));
}

TEST(TlsNames, WildcardCoversExactlyOneLabel)
{
  EXPECT_TRUE(name_matches("*.example.com", "a.example.com"));
  EXPECT_TRUE(name_matches("*.example.com", "A.Example.com"));
  EXPECT_FALSE(name_matches("*.example.com", "example.com"));
  EXPECT_FALSE(name_matches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(name_matches("*.example.com", ".example.com"));
  EXPECT_FALSE(name_matches("*.example.com", "a.example.org"));
}

} // namespace
} // namespace reactor::tls
