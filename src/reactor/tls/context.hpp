#pragma once

#include "reactor/util/error.hpp"

#include <openssl/types.h>

#include <filesystem>
#include <memory>

namespace reactor::tls {

struct ContextFree
{
  void operator()(SSL_CTX* context) const;
};
using Context = std::unique_ptr<SSL_CTX, ContextFree>;

// A server context with Reactor's protocol settings (TLS 1.2 and 1.3, Mozilla's
// "intermediate" ciphers, ALPN) and no certificate yet.
util::Result<Context> make_server_context();

// Makes `context` agree to no protocol but ALPN "acme-tls/1", ending the handshake of a
// client that does not offer it: a TLS-ALPN-01 challenge's (RFC 8737).
void accept_only_acme_tls(SSL_CTX* context);

// A server context serving the PEM chain in `certificate` (leaf first) with the PEM
// `key`. Fails with a message naming the flag and the file that is unreadable, not PEM,
// or a key that does not belong to the certificate.
util::Result<Context> make_certificate_context(const std::filesystem::path& certificate,
                                               const std::filesystem::path& key);

} // namespace reactor::tls
