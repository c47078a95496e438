#include "reactor/acme/jws.hpp"

#include "reactor/acme/key.hpp"

#include <boost/json.hpp>

namespace reactor::acme {

util::Result<std::string>
sign_request(const Signer& signer,
             std::string_view nonce,
             std::string_view url,
             std::string_view payload)
{
  boost::json::object header{ { "alg", "ES256" }, { "nonce", nonce }, { "url", url } };
  if (signer.kid.empty()) {
    header["jwk"] = boost::json::parse(public_jwk(*signer.key));
  } else {
    header["kid"] = signer.kid;
  }
  const auto protected_part = base64url(boost::json::serialize(header));
  const auto payload_part = base64url(payload);
  auto signature = sign_es256(*signer.key, protected_part + "." + payload_part);
  if (!signature) {
    return std::unexpected(std::move(signature.error()));
  }
  return boost::json::serialize(boost::json::object{ { "protected", protected_part },
                                                     { "payload", payload_part },
                                                     { "signature", base64url(*signature) } });
}

} // namespace reactor::acme
