#pragma once

#include "reactor/tls/context.hpp"

#include <string>

namespace reactor::tls {

// A certificate chain (leaf first) and its private key, in PEM.
struct PemCertificate
{
  std::string chain_pem;
  std::string key_pem;
};

// A server context (make_server_context's settings) serving a PEM chain (leaf first) and
// its PEM key held in memory, as certificates from the store are; fails when either does
// not read or the key does not belong to the leaf.
util::Result<Context> make_pem_context(const std::string& chain_pem, const std::string& key_pem);

// A context for a TLS-ALPN-01 validation (RFC 8737): serves `certificate` and agrees to no
// protocol but ALPN "acme-tls/1", ending the handshake of a client that does not offer it.
util::Result<Context> make_alpn_challenge_context(const PemCertificate& certificate);

} // namespace reactor::tls
