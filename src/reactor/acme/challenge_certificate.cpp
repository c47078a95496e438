#include "reactor/acme/challenge_certificate.hpp"

#include "reactor/acme/key.hpp"
#include "reactor/util/openssl_handles.hpp"
#include "reactor/util/sha256.hpp"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>

namespace reactor::acme {

namespace {

struct OctetStringFree
{
  void operator()(ASN1_OCTET_STRING* octets) const { ASN1_OCTET_STRING_free(octets); }
};
using OctetString = std::unique_ptr<ASN1_OCTET_STRING, OctetStringFree>;

struct ObjectFree
{
  void operator()(ASN1_OBJECT* object) const { ASN1_OBJECT_free(object); }
};

struct ExtensionFree
{
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
};

// A challenge certificate is shown for seconds; a week covers any clock skew.
constexpr long k_validity_seconds = 7L * 24 * 60 * 60;

OctetString
octet_string(const unsigned char* bytes, int length)
{
  OctetString octets(ASN1_OCTET_STRING_new());
  if (octets && ASN1_OCTET_STRING_set(octets.get(), bytes, length) != 1) {
    octets.reset();
  }
  return octets;
}

// id-pe-acmeIdentifier, critical: its value is the DER of an OCTET STRING holding the
// SHA-256 of the key authorization.
bool
add_acme_identifier(X509& certificate, const std::string& key_authorization)
{
  const auto digest = util::sha256(key_authorization);
  const auto inner = octet_string(reinterpret_cast<const unsigned char*>(digest.data()),
                                  static_cast<int>(digest.size()));
  if (!inner) {
    return false;
  }
  unsigned char* der = nullptr;
  const int der_length = i2d_ASN1_OCTET_STRING(inner.get(), &der);
  if (der_length <= 0) {
    return false;
  }
  const auto value = octet_string(der, der_length);
  OPENSSL_free(der);
  const std::unique_ptr<ASN1_OBJECT, ObjectFree> oid(OBJ_txt2obj(k_acme_identifier_oid, 1));
  if (!value || !oid) {
    return false;
  }
  const std::unique_ptr<X509_EXTENSION, ExtensionFree> extension(
    X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, value.get()));
  return extension && X509_add_ext(&certificate, extension.get(), -1) == 1;
}

std::string
certificate_pem(X509& certificate)
{
  const util::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), &certificate);
  char* data = nullptr;
  const auto length = BIO_get_mem_data(bio.get(), &data);
  return { data, static_cast<std::size_t>(length) };
}

} // namespace

util::Result<tls::PemCertificate>
make_alpn_challenge_certificate(const std::string& name, const std::string& key_authorization)
{
  auto key = generate_key();
  if (!key) {
    return std::unexpected(std::move(key.error()));
  }
  const util::Certificate certificate(X509_new());
  const auto alt_name = "DNS:" + name;
  X509_EXTENSION* san =
    X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, alt_name.c_str());
  const bool named = san != nullptr && X509_add_ext(certificate.get(), san, -1) == 1;
  X509_EXTENSION_free(san);
  if (!named) {
    return util::fail("OpenSSL refuses '" + name + "' as a certificate name");
  }
  auto* subject = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(subject,
                             "CN",
                             MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("ACME challenge"),
                             -1,
                             -1,
                             0);
  EVP_PKEY* pkey = key->get();
  if (X509_set_version(certificate.get(), 2) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 1) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -k_validity_seconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate.get()), k_validity_seconds) == nullptr ||
      X509_set_issuer_name(certificate.get(), subject) != 1 ||
      X509_set_pubkey(certificate.get(), pkey) != 1 ||
      !add_acme_identifier(*certificate, key_authorization) ||
      X509_sign(certificate.get(), pkey, EVP_sha256()) == 0) {
    return util::fail("cannot make the TLS-ALPN-01 certificate for '" + name + "' (OpenSSL)");
  }
  return tls::PemCertificate{ .chain_pem = certificate_pem(*certificate),
                              .key_pem = key_pem(**key) };
}

} // namespace reactor::acme
