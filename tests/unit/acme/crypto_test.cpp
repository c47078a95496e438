#include "reactor/acme/csr.hpp"
#include "reactor/acme/jws.hpp"
#include "reactor/acme/key.hpp"
#include "reactor/util/base64.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace reactor::acme {
namespace {

// base64url without padding, back to bytes (the tests read what the code wrote).
std::string
decode64url(std::string text)
{
  for (auto& c : text) {
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  while (text.size() % 4 != 0) {
    text += '=';
  }
  return util::base64_decode(text).value_or("");
}

// Whether `signature` (r || s) is key's ES256 signature of `data`.
bool
verifies(const EVP_PKEY& key, const std::string& data, const std::string& signature)
{
  if (signature.size() != 64) {
    return false;
  }
  const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG* parsed = ECDSA_SIG_new();
  ECDSA_SIG_set0(parsed, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(parsed, &der);
  ECDSA_SIG_free(parsed);
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, const_cast<EVP_PKEY*>(&key));
  const bool ok = EVP_DigestVerify(context,
                                   der,
                                   static_cast<std::size_t>(der_length),
                                   reinterpret_cast<const unsigned char*>(data.data()),
                                   data.size()) == 1;
  EVP_MD_CTX_free(context);
  OPENSSL_free(der);
  return ok;
}

TEST(AcmeKey, ThumbprintMatchesRfc7638Example)
{
  const std::string jwk =
    R"({"e":"AQAB","kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAt)"
    R"(VT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt)"
    R"(7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91)"
    R"(CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEg)"
    R"(U8awapJzKnqDKgw"})";
  EXPECT_EQ(jwk_thumbprint(jwk), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(AcmeKey, Base64urlHasNoPaddingAndUrlAlphabet)
{
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url(""), "");
}

TEST(AcmeKey, PublicJwkIsCanonicalP256)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  const auto jwk = public_jwk(**key);
  EXPECT_TRUE(jwk.starts_with(R"({"crv":"P-256","kty":"EC","x":")")) << jwk;
  const auto parsed = boost::json::parse(jwk).as_object();
  EXPECT_EQ(parsed.at("x").as_string().size(), 43U);
  EXPECT_EQ(parsed.at("y").as_string().size(), 43U);
  EXPECT_EQ(jwk.find(' '), std::string::npos);
}

TEST(AcmeKey, PemRoundTripKeepsTheKey)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  auto read = read_key(key_pem(**key));
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(public_jwk(**read), public_jwk(**key));
  EXPECT_FALSE(read_key("not a key"));
}

TEST(AcmeJws, NewAccountCarriesJwkAndVerifies)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  auto body = sign_request({ .key = key->get() }, "nonce-1", "https://ca/new-acct", R"({"a":1})");
  ASSERT_TRUE(body);
  const auto jws = boost::json::parse(*body).as_object();
  const std::string protected_part(jws.at("protected").as_string());
  const std::string payload_part(jws.at("payload").as_string());
  const auto header = boost::json::parse(decode64url(protected_part)).as_object();
  EXPECT_EQ(header.at("alg").as_string(), "ES256");
  EXPECT_EQ(header.at("nonce").as_string(), "nonce-1");
  EXPECT_EQ(header.at("url").as_string(), "https://ca/new-acct");
  EXPECT_EQ(boost::json::serialize(header.at("jwk")), public_jwk(**key));
  EXPECT_FALSE(header.contains("kid"));
  EXPECT_EQ(decode64url(payload_part), R"({"a":1})");
  EXPECT_TRUE(verifies(**key,
                       protected_part + "." + payload_part,
                       decode64url(std::string(jws.at("signature").as_string()))));
}

TEST(AcmeJws, AccountRequestsUseKidAndEmptyPayloadForPostAsGet)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  auto body =
    sign_request({ .key = key->get(), .kid = "https://ca/acct/1" }, "n", "https://ca/x", "");
  ASSERT_TRUE(body);
  const auto jws = boost::json::parse(*body).as_object();
  const auto header =
    boost::json::parse(decode64url(std::string(jws.at("protected").as_string()))).as_object();
  EXPECT_EQ(header.at("kid").as_string(), "https://ca/acct/1");
  EXPECT_FALSE(header.contains("jwk"));
  EXPECT_EQ(jws.at("payload").as_string(), "");
}

TEST(AcmeCsr, NamesEveryDomainInSubjectAltNameAndIsSigned)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  auto der = make_csr(**key, { "reactor.test", "*.reactor.test" });
  ASSERT_TRUE(der) << der.error().message;
  const auto* cursor = reinterpret_cast<const unsigned char*>(der->data());
  X509_REQ* request = d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der->size()));
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(X509_REQ_verify(request, key->get()), 1);
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(request);
  auto* names =
    static_cast<GENERAL_NAMES*>(X509V3_get_d2i(extensions, NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  std::vector<std::string> found;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const auto* name = sk_GENERAL_NAME_value(names, i);
    ASSERT_EQ(name->type, GEN_DNS);
    found.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                       static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
  }
  EXPECT_EQ(found, (std::vector<std::string>{ "reactor.test", "*.reactor.test" }));
  GENERAL_NAMES_free(names);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  X509_REQ_free(request);
  EXPECT_FALSE(make_csr(**key, {}));
}

} // namespace
} // namespace reactor::acme
