#include "reactor/util/secret_box.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace reactor::util {
namespace {

SecretKey
key_of(unsigned char fill)
{
  SecretKey key{};
  key.fill(fill);
  return key;
}

TEST(SecretBox, OpensWhatItSealed)
{
  const auto key = key_of(1);
  const std::vector<std::string> values{ "", "s", "hunter2-secret", std::string(65536, 'x') };
  for (const auto& value : values) {
    const auto sealed = seal(key, value, "site/API_KEY");
    EXPECT_TRUE(sealed.starts_with("v1:"));
    if (value.size() > 1) {
      EXPECT_EQ(sealed.find(value), std::string::npos);
    }
    auto opened = open_sealed(key, sealed, "site/API_KEY");
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(*opened, value);
  }
}

TEST(SecretBox, SealsUnderAFreshNonceEachTime)
{
  const auto key = key_of(1);
  EXPECT_NE(seal(key, "value", "ad"), seal(key, "value", "ad"));
}

TEST(SecretBox, RefusesAChangedValue)
{
  const auto key = key_of(1);
  auto sealed = seal(key, "a secret value", "site/API_KEY");
  auto& middle = sealed[sealed.size() / 2];
  middle = middle == 'A' ? 'B' : 'A';
  EXPECT_FALSE(open_sealed(key, sealed, "site/API_KEY"));
  EXPECT_FALSE(open_sealed(key, "v1:", "site/API_KEY"));
  EXPECT_FALSE(open_sealed(key, "v1:not base64!", "site/API_KEY"));
  EXPECT_FALSE(open_sealed(key, "plain text", "site/API_KEY"));
}

TEST(SecretBox, RefusesAnotherVariablesAssociatedData)
{
  const auto key = key_of(1);
  const auto sealed = seal(key, "a secret value", "site/API_KEY");
  auto opened = open_sealed(key, sealed, "site/OTHER_KEY");
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("another variable"), std::string::npos);
  EXPECT_FALSE(open_sealed(key, sealed, "other/API_KEY"));
}

TEST(SecretBox, RefusesAnotherKey)
{
  const auto sealed = seal(key_of(1), "a secret value", "site/API_KEY");
  EXPECT_FALSE(open_sealed(key_of(2), sealed, "site/API_KEY"));
}

} // namespace
} // namespace reactor::util
