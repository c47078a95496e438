#include "reactor/acme/csr.hpp"

#include "reactor/util/openssl_handles.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

namespace reactor::acme {

namespace {

struct RequestFree
{
  void operator()(X509_REQ* request) const { X509_REQ_free(request); }
};
struct ExtensionsFree
{
  void operator()(STACK_OF(X509_EXTENSION) * extensions) const
  {
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  }
};

// The longest common name X.509 allows (RFC 5280's ub-common-name).
constexpr std::size_t k_max_common_name = 64;

std::chrono::system_clock::time_point
time_point(const ASN1_TIME* time)
{
  std::tm parts{};
  ASN1_TIME_to_tm(time, &parts);
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

} // namespace

util::Result<std::string>
make_csr(const EVP_PKEY& key, const std::vector<std::string>& names)
{
  if (names.empty()) {
    return util::fail("a certificate request needs at least one name");
  }
  const std::unique_ptr<X509_REQ, RequestFree> request(X509_REQ_new());
  auto* pkey = const_cast<EVP_PKEY*>(&key);
  X509_REQ_set_version(request.get(), 0);
  if (names.front().size() <= k_max_common_name) {
    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(request.get()),
                               "CN",
                               MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(names.front().c_str()),
                               -1,
                               -1,
                               0);
  }
  std::string alt_names;
  for (const auto& name : names) {
    alt_names += (alt_names.empty() ? "DNS:" : ",DNS:") + name;
  }
  const std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionsFree> extensions(
    sk_X509_EXTENSION_new_null());
  auto* san = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, alt_names.c_str());
  if (san == nullptr) {
    return util::fail("OpenSSL refuses the names '" + alt_names + "' for a certificate");
  }
  sk_X509_EXTENSION_push(extensions.get(), san);
  if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), pkey) != 1 ||
      X509_REQ_sign(request.get(), pkey, EVP_sha256()) == 0) {
    return util::fail("cannot sign the certificate request (OpenSSL)");
  }
  const int length = i2d_X509_REQ(request.get(), nullptr);
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* cursor = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509_REQ(request.get(), &cursor);
  return der;
}

util::Result<Validity>
leaf_validity(const std::string& chain_pem)
{
  const auto bio = util::memory_reader(chain_pem);
  const util::Certificate leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    return util::fail("the certificate chain does not start with a PEM certificate");
  }
  return Validity{ time_point(X509_get0_notBefore(leaf.get())),
                   time_point(X509_get0_notAfter(leaf.get())) };
}

} // namespace reactor::acme
