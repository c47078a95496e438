#include "reactor/tls/pem_context.hpp"

#include "reactor/util/openssl_handles.hpp"

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <memory>

namespace reactor::tls {

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
    accept_only_acme_tls(context->get());
  }
  return context;
}

} // namespace reactor::tls
