#include "reactor/tls/ticket_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <cstring>
#include <stdexcept>

namespace reactor::tls {

namespace {

// Where a context keeps its TicketKeys, for the callback.
int
keys_index()
{
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

TicketKey
new_key(TicketKeys::Clock::time_point now)
{
  TicketKey key;
  if (RAND_bytes(key.name.data(), static_cast<int>(key.name.size())) != 1 ||
      RAND_bytes(key.aes.data(), static_cast<int>(key.aes.size())) != 1 ||
      RAND_bytes(key.hmac.data(), static_cast<int>(key.hmac.size())) != 1) {
    throw std::runtime_error("the random generator failed to make a session-ticket key");
  }
  key.created = now;
  return key;
}

// Points the ticket's cipher and MAC at `key`; false when OpenSSL refuses.
bool
use_key(const TicketKey& key,
        unsigned char* iv,
        EVP_CIPHER_CTX* cipher,
        EVP_MAC_CTX* mac,
        bool encrypt)
{
  std::array<char, 7> digest{ "SHA256" };
  auto hmac = key.hmac;
  const std::array<OSSL_PARAM, 3> params{
    OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, hmac.data(), hmac.size()),
    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
    OSSL_PARAM_construct_end()
  };
  const int initialised =
    encrypt ? EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv)
            : EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv);
  return initialised == 1 && EVP_MAC_CTX_set_params(mac, params.data()) == 1;
}

// SSL_CTX_set_tlsext_ticket_key_evp_cb's callback: 1 uses the key, 2 also asks for a
// fresh ticket, 0 makes the ticket unusable (a full handshake), -1 fails the handshake.
int
ticket_callback(SSL* ssl,
                unsigned char* key_name,
                unsigned char* iv,
                EVP_CIPHER_CTX* cipher,
                EVP_MAC_CTX* mac,
                int encrypt)
{
  auto* keys = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keys_index()));
  if (keys == nullptr) {
    return 0;
  }
  const auto now = TicketKeys::Clock::now();
  if (encrypt == 1) {
    const TicketKey key = keys->for_encryption(now);
    std::memcpy(key_name, key.name.data(), key.name.size());
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1) {
      return -1;
    }
    return use_key(key, iv, cipher, mac, true) ? 1 : -1;
  }
  std::array<unsigned char, 16> name{};
  std::memcpy(name.data(), key_name, name.size());
  bool renew = false;
  const auto key = keys->for_decryption(name, now, renew);
  if (!key) {
    return 0;
  }
  if (!use_key(*key, iv, cipher, mac, false)) {
    return -1;
  }
  return renew ? 2 : 1;
}

} // namespace

TicketKeys::TicketKeys(Clock::duration rotation)
  : m_rotation(rotation)
  , m_current(new_key(Clock::now()))
{
}

TicketKey
TicketKeys::for_encryption(Clock::time_point now)
{
  const std::lock_guard lock(m_mutex);
  rotate_if_due(now);
  return m_current;
}

std::optional<TicketKey>
TicketKeys::for_decryption(const std::array<unsigned char, 16>& name,
                           Clock::time_point now,
                           bool& renew)
{
  const std::lock_guard lock(m_mutex);
  rotate_if_due(now);
  renew = false;
  if (name == m_current.name) {
    return m_current;
  }
  if (m_previous && name == m_previous->name) {
    renew = true;
    return m_previous;
  }
  return std::nullopt;
}

void
TicketKeys::install(SSL_CTX* context)
{
  SSL_CTX_set_ex_data(context, keys_index(), this);
  SSL_CTX_set_tlsext_ticket_key_evp_cb(context, ticket_callback);
}

void
TicketKeys::rotate_if_due(Clock::time_point now)
{
  if (now - m_current.created < m_rotation) {
    return;
  }
  // A key two periods old is dropped even when no ticket was made in between.
  m_previous.reset();
  if (now - m_current.created < 2 * m_rotation) {
    m_previous = m_current;
  }
  m_current = new_key(now);
}

} // namespace reactor::tls
