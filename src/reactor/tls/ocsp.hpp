#pragma once

// OCSP stapling (RFC 6066 §8, RFC 6960): the status a certificate's responder gives it,
// fetched ahead of time and sent in the handshake, so clients need not ask the CA.

#include "reactor/util/error.hpp"

#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <string>

namespace reactor::tls {

struct OcspStaple
{
  std::string der;                                  // the OCSP response as the responder signed it
  std::chrono::system_clock::time_point refresh_at; // half way through its validity
  std::chrono::system_clock::time_point expires_at; // its nextUpdate: never sent after
};

// The OCSP responder URL the leaf of `chain_pem` names (Authority Information Access), or
// "" when it names none or the chain holds no issuer to ask about it with.
std::string ocsp_responder(const std::string& chain_pem);

// Asks the leaf's responder about it over HTTP and checks the answer: signed by the issuer
// (or a responder it delegated to), about this certificate, "good" and current. Fails with
// what went wrong.
util::Result<OcspStaple> fetch_ocsp_staple(const std::string& chain_pem);

// Makes `context` send the staple set_staple gave it to clients that ask for one (and none
// once it expires). Call once per context, before it serves.
void enable_stapling(SSL_CTX* context);
void set_staple(SSL_CTX* context, std::shared_ptr<const OcspStaple> staple);

} // namespace reactor::tls
