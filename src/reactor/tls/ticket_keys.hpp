#pragma once

#include <openssl/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace reactor::tls {

// One session-ticket key: its name (sent in the clear inside the ticket), the AES-256
// key that encrypts the ticket and the HMAC-SHA256 key that authenticates it.
struct TicketKey
{
  std::array<unsigned char, 16> name{};
  std::array<unsigned char, 32> aes{};
  std::array<unsigned char, 32> hmac{};
  std::chrono::steady_clock::time_point created;
};

// Session-ticket keys kept in memory only: a new key every `rotation`, the previous one
// still accepted for decryption (its tickets are renewed), older ones forgotten. A restart
// makes every ticket a full handshake, which is the price of never writing keys to disk.
class TicketKeys
{
public:
  using Clock = std::chrono::steady_clock;

  explicit TicketKeys(Clock::duration rotation = std::chrono::hours(6));

  // The key new tickets are encrypted with, rotated first when it is due.
  TicketKey for_encryption(Clock::time_point now);
  // The key named `name` if it is still accepted; `renew` says the ticket was made with
  // the previous key and should be replaced.
  std::optional<TicketKey> for_decryption(const std::array<unsigned char, 16>& name,
                                          Clock::time_point now,
                                          bool& renew);

  // Makes `context` encrypt and decrypt its tickets with these keys (which must outlive it).
  void install(SSL_CTX* context);

private:
  void rotate_if_due(Clock::time_point now);

  const Clock::duration m_rotation;
  std::mutex m_mutex;
  TicketKey m_current;
  std::optional<TicketKey> m_previous;
};

} // namespace reactor::tls
