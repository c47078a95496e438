#include "reactor/tls/context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <span>
#include <system_error>

namespace reactor::tls {

namespace {

// Mozilla's "intermediate" configuration (version 5.7): forward secrecy and AEAD only.
constexpr const char* k_tls12_ciphers =
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
  "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* k_tls13_ciphers =
  "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* k_groups = "X25519:P-256";
// A resumed session (ticket or cache) is honoured this long after its full handshake.
constexpr long k_session_lifetime_seconds = 6L * 60 * 60;
// The protocols a context agrees to through ALPN, in wire form and in the server's order of
// preference, and its answer to a client that offers none of them.
struct AlpnPolicy
{
  std::span<const unsigned char> protocols;
  int without_common;
};
// HTTP/2 first; a client that does not offer it gets HTTP/1.1, and one that offers neither
// goes on without ALPN (HTTP/1.1 is what such a client speaks).
constexpr std::array<unsigned char, 12> k_http{ 2,   'h', '2', 8,   'h', 't',
                                                't', 'p', '/', '1', '.', '1' };
constexpr AlpnPolicy k_http_policy{ k_http, SSL_TLSEXT_ERR_NOACK };
// A TLS-ALPN-01 validation (RFC 8737) speaks "acme-tls/1" or nothing.
constexpr std::array<unsigned char, 11> k_acme_tls{ 10,  'a', 'c', 'm', 'e', '-',
                                                    't', 'l', 's', '/', '1' };
constexpr AlpnPolicy k_acme_tls_policy{ k_acme_tls, SSL_TLSEXT_ERR_ALERT_FATAL };

// The error OpenSSL queued last, as text; empties the queue.
std::string
openssl_error()
{
  std::string text = "unknown OpenSSL error";
  for (unsigned long code = 0; (code = ERR_get_error()) != 0;) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    text = buffer.data();
  }
  return text;
}

// Picks our protocol among the client's, by the AlpnPolicy `arg` points to.
int
select_alpn(SSL* /*ssl*/,
            const unsigned char** out,
            unsigned char* out_length,
            const unsigned char* offered,
            unsigned int offered_length,
            void* arg)
{
  const auto& policy = *static_cast<const AlpnPolicy*>(arg);
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected,
                            out_length,
                            policy.protocols.data(),
                            static_cast<unsigned int>(policy.protocols.size()),
                            offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED) {
    return policy.without_common;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// Why `path` cannot be read, or empty.
std::string
unreadable(const std::filesystem::path& path)
{
  const std::ifstream file(path);
  if (file) {
    return {};
  }
  return std::error_code(errno, std::generic_category()).message();
}

} // namespace

void
ContextFree::operator()(SSL_CTX* context) const
{
  SSL_CTX_free(context);
}

util::Result<Context>
make_server_context()
{
  Context context(SSL_CTX_new(TLS_server_method()));
  if (!context) {
    return util::fail("cannot create a TLS context: " + openssl_error());
  }
  SSL_CTX* raw = context.get();
  // No compression (CRIME); no renegotiation (a client-driven CPU cost); the client's
  // cipher order wins, as Mozilla advises when every offered cipher is strong.
  SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_clear_options(raw, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle connections give their read and write buffers back (nginx does the same).
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(raw, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(raw, k_tls12_ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(raw, k_tls13_ciphers) != 1 ||
      SSL_CTX_set1_groups_list(raw, k_groups) != 1 || SSL_CTX_set_dh_auto(raw, 1) != 1) {
    return util::fail("cannot configure the TLS context: " + openssl_error());
  }
  SSL_CTX_set_timeout(raw, k_session_lifetime_seconds);
  static constexpr std::array<unsigned char, 7> k_session_context{
    'r', 'e', 'a', 'c', 't', 'o', 'r'
  };
  SSL_CTX_set_session_id_context(raw, k_session_context.data(), k_session_context.size());
  // OpenSSL hands the argument back as given: the policy is only read.
  SSL_CTX_set_alpn_select_cb(raw, select_alpn, const_cast<AlpnPolicy*>(&k_http_policy));
  return context;
}

void
accept_only_acme_tls(SSL_CTX* context)
{
  SSL_CTX_set_alpn_select_cb(context, select_alpn, const_cast<AlpnPolicy*>(&k_acme_tls_policy));
}

util::Result<Context>
make_certificate_context(const std::filesystem::path& certificate, const std::filesystem::path& key)
{
  if (const auto why = unreadable(certificate); !why.empty()) {
    return util::fail("--tls-cert " + certificate.string() + " cannot be read: " + why);
  }
  if (const auto why = unreadable(key); !why.empty()) {
    return util::fail("--tls-key " + key.string() + " cannot be read: " + why);
  }
  auto context = make_server_context();
  if (!context) {
    return context;
  }
  SSL_CTX* raw = context->get();
  ERR_clear_error();
  // The key first: loading it after the certificate would fail on a mismatch with
  // OpenSSL's words, while a certificate loaded after it just drops a key that does not
  // fit, which the check below then names.
  if (SSL_CTX_use_PrivateKey_file(raw, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return util::fail("--tls-key " + key.string() +
                      " is not a PEM private key: " + openssl_error());
  }
  if (SSL_CTX_use_certificate_chain_file(raw, certificate.c_str()) != 1) {
    return util::fail("--tls-cert " + certificate.string() +
                      " is not a PEM certificate chain: " + openssl_error());
  }
  if (SSL_CTX_check_private_key(raw) != 1) {
    ERR_clear_error();
    return util::fail("--tls-key " + key.string() + " does not belong to the certificate in " +
                      "--tls-cert " + certificate.string());
  }
  return context;
}

} // namespace reactor::tls
