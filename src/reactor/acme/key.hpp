#pragma once

// ECDSA P-256 keys as ACME uses them: the account key signs requests (ES256) and is named
// by its JWK and RFC 7638 thumbprint; each certificate gets a fresh key of its own.

#include "reactor/util/error.hpp"

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

namespace reactor::acme {

struct KeyFree
{
  void operator()(EVP_PKEY* key) const;
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

// A new P-256 key; fails only when OpenSSL cannot make one.
util::Result<Key> generate_key();

// The private key as PKCS#8 PEM.
std::string key_pem(const EVP_PKEY& key);

// The key in PEM (as key_pem writes it); fails when it is not a P-256 private key.
util::Result<Key> read_key(std::string_view pem);

// Unpadded base64url (RFC 4648 §5), as JOSE encodes every binary value.
std::string base64url(std::string_view bytes);

// The public key as a JWK with only its required members in lexicographic order and no
// whitespace: the exact bytes RFC 7638 hashes for the thumbprint.
std::string public_jwk(const EVP_PKEY& key);

// The RFC 7638 thumbprint of a JWK already in that canonical form: base64url(SHA-256).
std::string jwk_thumbprint(std::string_view canonical_jwk);

// An ES256 signature of `data`: r and s, 32 bytes each (RFC 7518 §3.4), not DER.
util::Result<std::string> sign_es256(const EVP_PKEY& key, std::string_view data);

} // namespace reactor::acme
