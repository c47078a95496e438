#include "reactor/acme/challenge_certificate.hpp"
#include "reactor/acme/solvers.hpp"
#include "reactor/tls/pem_context.hpp"
#include "reactor/util/openssl_handles.hpp"
#include "reactor/util/sha256.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <string>

namespace reactor::acme {
namespace {

util::Certificate
read_certificate(const std::string& pem)
{
  const auto bio = util::memory_reader(pem);
  return util::Certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// RFC 8737 §3: the extension's value is the DER of an OCTET STRING of the SHA-256 digest.
std::string
expected_identifier(const std::string& key_authorization)
{
  return std::string{ '\x04', '\x20' } + util::sha256(key_authorization);
}

TEST(AlpnChallengeCertificate, NamesOnlyTheDomainAndCarriesTheCriticalAcmeIdentifier)
{
  const std::string key_authorization = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.thumbprint";
  const auto made = make_alpn_challenge_certificate("www.example.test", key_authorization);
  ASSERT_TRUE(made.has_value()) << made.error().message;
  const auto certificate = read_certificate(made->chain_pem);
  ASSERT_TRUE(certificate);

  auto* names = static_cast<GENERAL_NAMES*>(
    X509_get_ext_d2i(certificate.get(), NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  ASSERT_EQ(sk_GENERAL_NAME_num(names), 1);
  const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, 0);
  ASSERT_EQ(name->type, GEN_DNS);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                        static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName))),
            "www.example.test");
  GENERAL_NAMES_free(names);

  ASN1_OBJECT* oid = OBJ_txt2obj(k_acme_identifier_oid, 1);
  const int at = X509_get_ext_by_OBJ(certificate.get(), oid, -1);
  ASN1_OBJECT_free(oid);
  ASSERT_GE(at, 0);
  X509_EXTENSION* extension = X509_get_ext(certificate.get(), at);
  EXPECT_EQ(X509_EXTENSION_get_critical(extension), 1);
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(extension);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                        static_cast<std::size_t>(ASN1_STRING_length(value))),
            expected_identifier(key_authorization));

  // Self-signed with its own key, and servable.
  EXPECT_EQ(X509_check_issued(certificate.get(), certificate.get()), X509_V_OK);
  EXPECT_TRUE(tls::make_alpn_challenge_context(*made).has_value());
}

TEST(AlpnChallengeCertificate, EachIsMadeWithAKeyOfItsOwn)
{
  const auto first = make_alpn_challenge_certificate("a.test", "token.thumbprint");
  const auto second = make_alpn_challenge_certificate("a.test", "token.thumbprint");
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_NE(first->key_pem, second->key_pem);
}

TEST(Http01Token, OnlyBase64urlTokensAreAnsweredOverHttp)
{
  EXPECT_TRUE(is_http01_token("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr_oA"));
  EXPECT_FALSE(is_http01_token(""));
  EXPECT_FALSE(is_http01_token("tls-alpn-01:www.example.test"));
  EXPECT_FALSE(is_http01_token("../secret"));
}

} // namespace
} // namespace reactor::acme
