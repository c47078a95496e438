#pragma once

// The certificate signing request an order is finalized with (RFC 8555 §7.4).

#include "reactor/util/error.hpp"

#include <openssl/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace reactor::acme {

// A DER CSR for `names` (every one in subjectAltName, the first also the common name),
// signed with `key`; fails when OpenSSL refuses a name or cannot sign.
util::Result<std::string> make_csr(const EVP_PKEY& key, const std::vector<std::string>& names);

// When the first certificate of a PEM chain starts and stops being valid.
struct Validity
{
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
};

// The leaf's validity; fails when the chain does not start with a PEM certificate.
util::Result<Validity> leaf_validity(const std::string& chain_pem);

} // namespace reactor::acme
