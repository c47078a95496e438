#pragma once

// The certificate that answers a TLS-ALPN-01 challenge (RFC 8737 §3).

#include "reactor/tls/certificate_store.hpp"
#include "reactor/util/error.hpp"

#include <string>

namespace reactor::acme {

// The OID of id-pe-acmeIdentifier, the extension the CA checks.
inline constexpr const char* k_acme_identifier_oid = "1.3.6.1.5.5.7.1.31";

// A self-signed certificate with a fresh P-256 key: `name` as its only subjectAltName and
// the critical id-pe-acmeIdentifier extension holding SHA-256(key_authorization) as a DER
// OCTET STRING. Fails when OpenSSL refuses the name or cannot sign.
util::Result<tls::PemCertificate> make_alpn_challenge_certificate(
  const std::string& name,
  const std::string& key_authorization);

} // namespace reactor::acme
