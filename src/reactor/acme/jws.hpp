#pragma once

// RFC 8555 §6.2 request bodies: a flattened JWS, ES256, over the payload.

#include "reactor/util/error.hpp"

#include <openssl/types.h>

#include <string>
#include <string_view>

namespace reactor::acme {

// Who signs: the account's URL as `kid` once the account exists; empty for newAccount,
// whose header carries the public key as `jwk` instead.
struct Signer
{
  const EVP_PKEY* key = nullptr;
  std::string kid;
};

// The flattened JSON JWS of `payload` ("" for POST-as-GET) for `url` with the server's
// `nonce`; fails only when signing does.
util::Result<std::string> sign_request(const Signer& signer,
                                       std::string_view nonce,
                                       std::string_view url,
                                       std::string_view payload);

} // namespace reactor::acme
