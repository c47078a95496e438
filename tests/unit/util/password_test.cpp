#include "reactor/util/password.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reactor::util {
namespace {

// Few iterations keep the test fast; the format records them.
constexpr std::uint32_t k_fast = 1000;

TEST(Password, AHashVerifiesItsPasswordAndNoOther)
{
  const auto stored = hash_password("correct horse", k_fast);
  EXPECT_TRUE(stored.starts_with("pbkdf2-sha256$1000$"));
  EXPECT_TRUE(verify_password("correct horse", stored));
  EXPECT_FALSE(verify_password("correct horsE", stored));
  EXPECT_FALSE(verify_password("", stored));
}

TEST(Password, EachHashHasItsOwnSalt)
{
  EXPECT_NE(hash_password("same", k_fast), hash_password("same", k_fast));
}

TEST(Password, AMalformedHashVerifiesNothing)
{
  const std::string zeros(64, '0');
  for (const std::string& stored :
       std::vector<std::string>{ "",
                                 "plain",
                                 "pbkdf2-sha256$",
                                 "pbkdf2-sha256$0$00$00",
                                 "pbkdf2-sha256$x$00$00",
                                 "md5$1000$00$" + zeros,
                                 "pbkdf2-sha256$1000$zz$" + zeros,
                                 "pbkdf2-sha256$1000$00$00",
                                 "pbkdf2-sha256$99999999999$00$" + zeros }) {
    EXPECT_FALSE(verify_password("", stored)) << stored;
  }
}

TEST(Token, IsRandom256BitsAndVerifiesAgainstItsHashOnly)
{
  const auto token = new_token();
  EXPECT_EQ(token.size(), 64u);
  EXPECT_NE(token, new_token());
  const auto stored = token_hash(token);
  EXPECT_NE(stored, token);
  EXPECT_TRUE(verify_token(token, stored));
  EXPECT_FALSE(verify_token(new_token(), stored));
  EXPECT_FALSE(verify_token(token, ""));
  EXPECT_FALSE(verify_token("", ""));
}

} // namespace
} // namespace reactor::util
