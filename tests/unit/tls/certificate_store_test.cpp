#include "reactor/acme/key.hpp"
#include "reactor/tls/certificate_store.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "support/self_signed.hpp"
#include <array>
#include <memory>

namespace reactor::tls {
namespace {

using testing::self_signed;

// The common name of the certificate a handshake asking for `server_name` gets from
// `front`; "" when the handshake fails.
std::string
served_name(SSL_CTX* front, const char* server_name)
{
  SSL_CTX* client_context = SSL_CTX_new(TLS_client_method());
  SSL* client = SSL_new(client_context);
  SSL* server = SSL_new(front);
  SSL_ctrl(client,
           SSL_CTRL_SET_TLSEXT_HOSTNAME,
           TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(server_name));
  BIO* client_end = nullptr;
  BIO* server_end = nullptr;
  BIO_new_bio_pair(&client_end, 0, &server_end, 0);
  SSL_set_bio(client, client_end, client_end);
  SSL_set_bio(server, server_end, server_end);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    client_done = client_done || SSL_do_handshake(client) == 1;
    server_done = server_done || SSL_do_handshake(server) == 1;
  }
  std::string name;
  if (client_done && server_done) {
    X509* peer = SSL_get1_peer_certificate(client);
    std::array<char, 256> common_name{};
    X509_NAME_get_text_by_NID(
      X509_get_subject_name(peer), NID_commonName, common_name.data(), common_name.size());
    name = common_name.data();
    X509_free(peer);
  }
  SSL_free(server);
  SSL_free(client);
  SSL_CTX_free(client_context);
  return name;
}

TEST(CertificateStore, PicksTheExactNameThenTheWildcardOneLevelUp)
{
  auto store = CertificateStore::open(std::nullopt);
  ASSERT_TRUE(store) << store.error().message;
  auto exact_key = acme::generate_key();
  auto wildcard_key = acme::generate_key();
  ASSERT_TRUE(exact_key && wildcard_key);
  ASSERT_TRUE((*store)->serve(
    { "a.test" }, self_signed(exact_key->get(), "exact"), acme::key_pem(**exact_key)));
  ASSERT_TRUE((*store)->serve({ "b.test", "*.b.test" },
                              self_signed(wildcard_key->get(), "wildcard"),
                              acme::key_pem(**wildcard_key)));
  auto* front = (*store)->front().native_handle();
  EXPECT_EQ(served_name(front, "a.test"), "exact");
  EXPECT_EQ(served_name(front, "A.Test"), "exact");
  EXPECT_EQ(served_name(front, "b.test"), "wildcard");
  EXPECT_EQ(served_name(front, "x.b.test"), "wildcard");
  EXPECT_EQ(served_name(front, "y.x.b.test"), ""); // a wildcard covers one label only
  EXPECT_EQ(served_name(front, "other.test"), ""); // nothing to fall back to without files
}

TEST(CertificateStore, ACertificateThatDoesNotLoadChangesNothing)
{
  auto store = CertificateStore::open(std::nullopt);
  ASSERT_TRUE(store);
  auto key = acme::generate_key();
  auto other = acme::generate_key();
  ASSERT_TRUE(key && other);
  ASSERT_TRUE(
    (*store)->serve({ "a.test" }, self_signed(key->get(), "first"), acme::key_pem(**key)));
  EXPECT_FALSE(
    (*store)->serve({ "a.test" }, self_signed(key->get(), "second"), acme::key_pem(**other)));
  EXPECT_FALSE((*store)->serve({ "a.test" }, "not pem", acme::key_pem(**key)));
  EXPECT_EQ(served_name((*store)->front().native_handle(), "a.test"), "first");
}

} // namespace
} // namespace reactor::tls
