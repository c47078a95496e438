#include "reactor/tls/ticket_keys.hpp"

#include <gtest/gtest.h>

namespace reactor::tls {
namespace {

using namespace std::chrono_literals;

TEST(TlsTicketKeys, TheSameKeyUntilTheRotationIsDue)
{
  TicketKeys keys(6h);
  const auto start = TicketKeys::Clock::now();
  const auto first = keys.for_encryption(start);
  EXPECT_EQ(keys.for_encryption(start + 5h).name, first.name);
  bool renew = true;
  const auto opened = keys.for_decryption(first.name, start + 5h, renew);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->aes, first.aes);
  EXPECT_EQ(opened->hmac, first.hmac);
  EXPECT_FALSE(renew);
}

TEST(TlsTicketKeys, ThePreviousKeyStillDecryptsAndAsksForRenewal)
{
  TicketKeys keys(6h);
  const auto start = TicketKeys::Clock::now();
  const auto first = keys.for_encryption(start);
  const auto second = keys.for_encryption(start + 7h);
  EXPECT_NE(second.name, first.name);
  EXPECT_NE(second.aes, first.aes);
  bool renew = false;
  ASSERT_TRUE(keys.for_decryption(first.name, start + 7h, renew));
  EXPECT_TRUE(renew);
  ASSERT_TRUE(keys.for_decryption(second.name, start + 7h, renew));
  EXPECT_FALSE(renew);
}

TEST(TlsTicketKeys, KeysTwoRotationsOldAreForgotten)
{
  TicketKeys keys(6h);
  const auto start = TicketKeys::Clock::now();
  const auto first = keys.for_encryption(start);
  static_cast<void>(keys.for_encryption(start + 7h));
  bool renew = false;
  EXPECT_FALSE(keys.for_decryption(first.name, start + 14h, renew));
  // Without any ticket made in between, a key two periods old is gone too.
  TicketKeys idle(6h);
  const auto lone = idle.for_encryption(start);
  EXPECT_FALSE(idle.for_decryption(lone.name, start + 13h, renew));
}

TEST(TlsTicketKeys, UnknownNamesAreRefused)
{
  TicketKeys keys(6h);
  bool renew = false;
  EXPECT_FALSE(keys.for_decryption({}, TicketKeys::Clock::now(), renew));
}

} // namespace
} // namespace reactor::tls
