#include "reactor/tls/pem_context.hpp"

#include "reactor/util/openssl_handles.hpp"

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <array>
#include <memory>

namespace reactor::tls {

namespace {

constexpr std::array<unsigned char, 11> k_acme_tls{ 10,  'a', 'c', 'm', 'e', '-',
                                                    't', 'l', 's', '/', '1' };

int
select_acme_tls(SSL* /*ssl*/,
                const unsigned char** out,
                unsigned char* out_length,
                const unsigned char* offered,
                unsigned int offered_length,
                void* /*arg*/)
{
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected,
                            out_length,
                            k_acme_tls.data(),
                            static_cast<unsigned int>(k_acme_tls.size()),
                            offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

} // namespace

util::Result<Context>
make_pem_context(const std::string& chain_pem, const std::string& key_pem)
{
  auto context = make_server_context();
  if (!context) {
    return context;
  }
  const auto chain = util::memory_reader(chain_pem);
  X509* leaf = PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr);
  if (leaf == nullptr || SSL_CTX_use_certificate(context->get(), leaf) != 1) {
    X509_free(leaf);
    return util::fail("the stored certificate chain is not PEM");
  }
  X509_free(leaf);
  while (X509* issuer = PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr)) {
    SSL_CTX_add0_chain_cert(context->get(), issuer); // the context owns it now
  }
  const auto key = util::memory_reader(key_pem);
  EVP_PKEY* private_key = PEM_read_bio_PrivateKey(key.get(), nullptr, nullptr, nullptr);
  const bool used =
    private_key != nullptr && SSL_CTX_use_PrivateKey(context->get(), private_key) == 1;
  EVP_PKEY_free(private_key);
  if (!used || SSL_CTX_check_private_key(context->get()) != 1) {
    return util::fail("the stored certificate's key is not PEM or does not match it");
  }
  return context;
}

util::Result<Context>
make_alpn_challenge_context(const PemCertificate& certificate)
{
  auto context = make_pem_context(certificate.chain_pem, certificate.key_pem);
  if (context) {
    SSL_CTX_set_alpn_select_cb(context->get(), select_acme_tls, nullptr);
  }
  return context;
}

} // namespace reactor::tls
