#include "reactor/acme/key.hpp"

#include "reactor/util/base64.hpp"
#include "reactor/util/openssl_handles.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <array>
#include <vector>

namespace reactor::acme {

namespace {

constexpr std::size_t k_coordinate_bytes = 32;

struct BignumFree
{
  void operator()(BIGNUM* number) const { BN_free(number); }
};
struct SignatureFree
{
  void operator()(ECDSA_SIG* signature) const { ECDSA_SIG_free(signature); }
};
struct DigestFree
{
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// A big number as exactly 32 big-endian bytes (JOSE's fixed width for P-256).
std::string
fixed_width(const BIGNUM* number)
{
  std::string bytes(k_coordinate_bytes, '\0');
  BN_bn2binpad(number, reinterpret_cast<unsigned char*>(bytes.data()), k_coordinate_bytes);
  return bytes;
}

std::string
coordinate(const EVP_PKEY& key, const char* name)
{
  BIGNUM* raw = nullptr;
  EVP_PKEY_get_bn_param(&key, name, &raw);
  const std::unique_ptr<BIGNUM, BignumFree> number(raw);
  return fixed_width(number.get());
}

bool
is_p256(const EVP_PKEY& key)
{
  std::array<char, 64> group{};
  std::size_t length = 0;
  return EVP_PKEY_is_a(&key, "EC") != 0 &&
         EVP_PKEY_get_utf8_string_param(
           &key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &length) != 0 &&
         std::string_view(group.data(), length) == "prime256v1";
}

} // namespace

void
KeyFree::operator()(EVP_PKEY* key) const
{
  EVP_PKEY_free(key);
}

util::Result<Key>
generate_key()
{
  Key key(EVP_EC_gen("P-256"));
  if (!key) {
    return util::fail("cannot make a P-256 key (OpenSSL)");
  }
  return key;
}

std::string
key_pem(const EVP_PKEY& key)
{
  const util::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(
    bio.get(), const_cast<EVP_PKEY*>(&key), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const auto length = BIO_get_mem_data(bio.get(), &data);
  return { data, static_cast<std::size_t>(length) };
}

util::Result<Key>
read_key(std::string_view pem)
{
  const auto bio = util::memory_reader(pem);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || !is_p256(*key)) {
    return util::fail("the stored ACME key is not a P-256 private key in PEM");
  }
  return key;
}

std::string
base64url(std::string_view bytes)
{
  auto text = util::base64_encode(bytes);
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
  }
  for (auto& c : text) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return text;
}

std::string
public_jwk(const EVP_PKEY& key)
{
  return R"({"crv":"P-256","kty":"EC","x":")" +
         base64url(coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X)) + R"(","y":")" +
         base64url(coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y)) + R"("})";
}

std::string
jwk_thumbprint(std::string_view canonical_jwk)
{
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(canonical_jwk.data()),
         canonical_jwk.size(),
         digest.data());
  return base64url({ reinterpret_cast<const char*>(digest.data()), digest.size() });
}

util::Result<std::string>
sign_es256(const EVP_PKEY& key, std::string_view data)
{
  const std::unique_ptr<EVP_MD_CTX, DigestFree> context(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!context ||
      EVP_DigestSignInit(
        context.get(), nullptr, EVP_sha256(), nullptr, const_cast<EVP_PKEY*>(&key)) != 1 ||
      EVP_DigestSign(context.get(),
                     nullptr,
                     &length,
                     reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return util::fail("cannot sign an ACME request (OpenSSL)");
  }
  std::vector<unsigned char> der(length);
  if (EVP_DigestSign(context.get(),
                     der.data(),
                     &length,
                     reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return util::fail("cannot sign an ACME request (OpenSSL)");
  }
  const unsigned char* cursor = der.data();
  const std::unique_ptr<ECDSA_SIG, SignatureFree> signature(
    d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(length)));
  if (!signature) {
    return util::fail("cannot read OpenSSL's ECDSA signature");
  }
  return fixed_width(ECDSA_SIG_get0_r(signature.get())) +
         fixed_width(ECDSA_SIG_get0_s(signature.get()));
}

} // namespace reactor::acme
