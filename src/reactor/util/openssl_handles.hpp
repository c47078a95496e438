#pragma once

// Owners of the OpenSSL objects the project makes and reads, each freed by its own function.

#include <openssl/bio.h>
#include <openssl/x509.h>

#include <memory>
#include <string_view>

namespace reactor::util {

struct BioFree
{
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

struct CertificateFree
{
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using Certificate = std::unique_ptr<X509, CertificateFree>;

// A read-only memory BIO over `bytes`, which must outlive it.
inline Bio
memory_reader(std::string_view bytes)
{
  return Bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

} // namespace reactor::util
