#include "reactor/util/secret_box.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace reactor::util {

namespace {

constexpr std::string_view k_prefix = "v1:";
constexpr int k_nonce_bytes = 12;
constexpr int k_tag_bytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext
new_context()
{
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!context) {
    throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  }
  return context;
}

const unsigned char*
bytes_of(std::string_view text)
{
  return reinterpret_cast<const unsigned char*>(text.data()); // NOLINT(*-reinterpret-cast)
}

int
length_of(std::size_t size)
{
  return static_cast<int>(size);
}

std::string
base64(const std::vector<unsigned char>& bytes)
{
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  const int written =
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), // NOLINT(*-reinterpret-cast)
                    bytes.data(),
                    length_of(bytes.size()));
  text.resize(static_cast<std::size_t>(written));
  return text;
}

Result<std::vector<unsigned char>>
from_base64(std::string_view text)
{
  if (text.empty() || text.size() % 4 != 0) {
    return fail("the sealed value is not base64");
  }
  std::vector<unsigned char> bytes(text.size() / 4 * 3);
  const int decoded = EVP_DecodeBlock(bytes.data(), bytes_of(text), length_of(text.size()));
  if (decoded < 0) {
    return fail("the sealed value is not base64");
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  const auto padding = static_cast<std::size_t>(text.ends_with("==") ? 2 : text.ends_with('='));
  bytes.resize(static_cast<std::size_t>(decoded) - padding);
  return bytes;
}

} // namespace

std::string
seal(const SecretKey& key, std::string_view plaintext, std::string_view associated)
{
  std::vector<unsigned char> out(k_nonce_bytes + plaintext.size() + k_tag_bytes);
  if (RAND_bytes(out.data(), k_nonce_bytes) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  auto context = new_context();
  int length = 0;
  unsigned char* cipher = out.data() + k_nonce_bytes;
  if (EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.data(), out.data()) != 1 ||
      EVP_EncryptUpdate(
        context.get(), nullptr, &length, bytes_of(associated), length_of(associated.size())) != 1 ||
      EVP_EncryptUpdate(
        context.get(), cipher, &length, bytes_of(plaintext), length_of(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(context.get(), cipher + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(
        context.get(), EVP_CTRL_GCM_GET_TAG, k_tag_bytes, cipher + plaintext.size()) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return std::string(k_prefix) + base64(out);
}

Result<std::string>
open_sealed(const SecretKey& key, std::string_view sealed, std::string_view associated)
{
  if (!sealed.starts_with(k_prefix)) {
    return fail("the sealed value has an unknown format");
  }
  auto bytes = from_base64(sealed.substr(k_prefix.size()));
  if (!bytes) {
    return std::unexpected(bytes.error());
  }
  if (bytes->size() < k_nonce_bytes + k_tag_bytes) {
    return fail("the sealed value is too short");
  }
  const std::size_t size = bytes->size() - k_nonce_bytes - k_tag_bytes;
  const unsigned char* cipher = bytes->data() + k_nonce_bytes;
  std::string plaintext(size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data()); // NOLINT(*-reinterpret-cast)
  auto context = new_context();
  int length = 0;
  const bool opened =
    EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes->data()) == 1 &&
    EVP_DecryptUpdate(
      context.get(), nullptr, &length, bytes_of(associated), length_of(associated.size())) == 1 &&
    EVP_DecryptUpdate(context.get(), out, &length, cipher, length_of(size)) == 1 &&
    // The tag is only read here; OpenSSL's API takes it as non-const.
    EVP_CIPHER_CTX_ctrl(context.get(),
                        EVP_CTRL_GCM_SET_TAG,
                        k_tag_bytes,
                        const_cast<unsigned char*>(cipher + size)) == 1 && // NOLINT(*-const-cast)
    EVP_DecryptFinal_ex(context.get(), out + length, &length) == 1;
  if (!opened) {
    return fail("the sealed value does not open with this key: it was changed, belongs to "
                "another variable, or was sealed with another secrets key");
  }
  return plaintext;
}

} // namespace reactor::util
