#include "reactor/tls/ocsp.hpp"

#include "reactor/util/openssl_handles.hpp"

#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <curl/curl.h>
#include <mutex>
#include <vector>

namespace reactor::tls {

namespace {

using Clock = std::chrono::system_clock;

constexpr long k_fetch_timeout_ms = 10000;
// A response without nextUpdate is asked for again after this long.
constexpr std::chrono::hours k_refresh_without_next_update{ 1 };
// Clocks of the responder and ours may differ this much (OCSP_check_validity).
constexpr long k_clock_skew_seconds = 300;

struct OcspRequestFree
{
  void operator()(OCSP_REQUEST* request) const { OCSP_REQUEST_free(request); }
};
struct OcspResponseFree
{
  void operator()(OCSP_RESPONSE* response) const { OCSP_RESPONSE_free(response); }
};
struct BasicResponseFree
{
  void operator()(OCSP_BASICRESP* basic) const { OCSP_BASICRESP_free(basic); }
};
struct CertIdFree
{
  void operator()(OCSP_CERTID* id) const { OCSP_CERTID_free(id); }
};
struct StoreFree
{
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
struct StackFree
{
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
struct EasyFree
{
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct ListFree
{
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The leaf and its issuer, the first two certificates of a PEM chain.
struct LeafAndIssuer
{
  util::Certificate leaf;
  util::Certificate issuer;
};

LeafAndIssuer
leaf_and_issuer(const std::string& chain_pem)
{
  const auto bio = util::memory_reader(chain_pem);
  util::Certificate leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  util::Certificate issuer(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  return { std::move(leaf), std::move(issuer) };
}

std::string
responder_of(X509* leaf)
{
  STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(leaf);
  std::string url;
  if (urls != nullptr && sk_OPENSSL_STRING_num(urls) > 0) {
    url = sk_OPENSSL_STRING_value(urls, 0);
  }
  X509_email_free(urls);
  return url;
}

std::size_t
append_body(char* data, std::size_t size, std::size_t count, void* body)
{
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

// POSTs the DER request to the responder (RFC 6960 Appendix A.1); the response's bytes.
util::Result<std::string>
post_ocsp(const std::string& url, const std::string& request_der)
{
  const std::unique_ptr<CURL, EasyFree> easy(curl_easy_init());
  const std::unique_ptr<curl_slist, ListFree> headers(
    curl_slist_append(nullptr, "Content-Type: application/ocsp-request"));
  if (!easy || !headers) {
    return util::fail("cannot start an HTTP request");
  }
  std::string body;
  CURL* handle = easy.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request_der.data());
  curl_easy_setopt(
    handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_der.size()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, k_fetch_timeout_ms);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
  if (const auto code = curl_easy_perform(handle); code != CURLE_OK) {
    return util::fail("the OCSP responder " + url + " did not answer: " + curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return util::fail("the OCSP responder " + url + " answered HTTP " + std::to_string(status));
  }
  return body;
}

Clock::time_point
time_point(const ASN1_GENERALIZEDTIME* time)
{
  std::tm parts{};
  ASN1_TIME_to_tm(time, &parts);
  return Clock::from_time_t(timegm(&parts));
}

// Checks a response about `id` (see fetch_ocsp_staple) and dates it.
util::Result<OcspStaple>
check_response(std::string der, X509* issuer, OCSP_CERTID* id)
{
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  const std::unique_ptr<OCSP_RESPONSE, OcspResponseFree> response(
    d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(der.size())));
  if (!response) {
    return util::fail("the OCSP responder's answer is not an OCSP response");
  }
  if (const int status = OCSP_response_status(response.get());
      status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return util::fail(std::string("the OCSP responder refused: ") +
                      OCSP_response_status_str(status));
  }
  const std::unique_ptr<OCSP_BASICRESP, BasicResponseFree> basic(
    OCSP_response_get1_basic(response.get()));
  // The issuer is trusted as the anchor: it signed the response, or certified the
  // responder that did (whose certificate the response carries).
  const std::unique_ptr<X509_STORE, StoreFree> trusted(X509_STORE_new());
  const std::unique_ptr<STACK_OF(X509), StackFree> issuers(sk_X509_new_null());
  if (!basic || !trusted || !issuers || X509_STORE_add_cert(trusted.get(), issuer) != 1 ||
      sk_X509_push(issuers.get(), issuer) <= 0) {
    return util::fail("cannot read the OCSP response (OpenSSL)");
  }
  X509_STORE_set_flags(trusted.get(), X509_V_FLAG_PARTIAL_CHAIN);
  if (OCSP_basic_verify(basic.get(), issuers.get(), trusted.get(), OCSP_TRUSTOTHER) != 1) {
    return util::fail("the OCSP response is not signed by the certificate's issuer");
  }
  int status = -1;
  int reason = -1;
  ASN1_GENERALIZEDTIME* revoked_at = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  if (OCSP_resp_find_status(
        basic.get(), id, &status, &reason, &revoked_at, &this_update, &next_update) != 1) {
    return util::fail("the OCSP response does not speak of this certificate");
  }
  if (status != V_OCSP_CERTSTATUS_GOOD) {
    return util::fail(std::string("the OCSP responder says the certificate is ") +
                      OCSP_cert_status_str(status));
  }
  if (OCSP_check_validity(this_update, next_update, k_clock_skew_seconds, -1) != 1) {
    return util::fail("the OCSP response is out of date (or from the future)");
  }
  const auto from = time_point(this_update);
  const auto until = next_update != nullptr ? time_point(next_update) : Clock::time_point::max();
  const auto refresh_at = next_update != nullptr ? from + (until - from) / 2
                                                 : Clock::now() + k_refresh_without_next_update;
  return OcspStaple{ .der = std::move(der), .refresh_at = refresh_at, .expires_at = until };
}

// The staple a context sends, in its ex_data slot: replaced whole, read under a lock.
struct StapleSlot
{
  std::mutex mutex;
  std::shared_ptr<const OcspStaple> staple;
};

void
free_slot(void* /*parent*/,
          void* slot,
          CRYPTO_EX_DATA* /*data*/,
          int /*index*/,
          long /*argl*/,
          void* /*argp*/)
{
  delete static_cast<StapleSlot*>(slot);
}

int
slot_index()
{
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_slot);
  return index;
}

StapleSlot*
slot_of(const SSL_CTX* context)
{
  return static_cast<StapleSlot*>(SSL_CTX_get_ex_data(context, slot_index()));
}

// Status callback: attaches the current staple when the client asked for one.
int
send_staple(SSL* ssl, void* /*arg*/)
{
  auto* slot = slot_of(SSL_get_SSL_CTX(ssl));
  if (slot == nullptr) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  std::shared_ptr<const OcspStaple> staple;
  {
    const std::lock_guard lock(slot->mutex);
    staple = slot->staple;
  }
  if (!staple || Clock::now() >= staple->expires_at) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  // OpenSSL frees the copy it is given.
  auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(staple->der.size()));
  if (copy == nullptr) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  std::copy(staple->der.begin(), staple->der.end(), copy);
  SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(staple->der.size()));
  return SSL_TLSEXT_ERR_OK;
}

} // namespace

std::string
ocsp_responder(const std::string& chain_pem)
{
  const auto chain = leaf_and_issuer(chain_pem);
  return chain.leaf && chain.issuer ? responder_of(chain.leaf.get()) : "";
}

util::Result<OcspStaple>
fetch_ocsp_staple(const std::string& chain_pem)
{
  const auto chain = leaf_and_issuer(chain_pem);
  const auto url = chain.leaf && chain.issuer ? responder_of(chain.leaf.get()) : "";
  if (url.empty()) {
    return util::fail("the certificate names no OCSP responder, or its chain has no issuer");
  }
  const std::unique_ptr<OCSP_CERTID, CertIdFree> id(
    OCSP_cert_to_id(nullptr, chain.leaf.get(), chain.issuer.get()));
  const std::unique_ptr<OCSP_REQUEST, OcspRequestFree> request(OCSP_REQUEST_new());
  // The request owns the id it is given: it gets a copy.
  if (!id || !request ||
      OCSP_request_add0_id(request.get(), OCSP_CERTID_dup(id.get())) == nullptr) {
    return util::fail("cannot make the OCSP request (OpenSSL)");
  }
  unsigned char* der = nullptr;
  const int length = i2d_OCSP_REQUEST(request.get(), &der);
  if (length <= 0) {
    return util::fail("cannot make the OCSP request (OpenSSL)");
  }
  const std::string request_der(reinterpret_cast<const char*>(der),
                                static_cast<std::size_t>(length));
  OPENSSL_free(der);
  auto answer = post_ocsp(url, request_der);
  if (!answer) {
    return std::unexpected(std::move(answer.error()));
  }
  return check_response(std::move(*answer), chain.issuer.get(), id.get());
}

void
enable_stapling(SSL_CTX* context)
{
  SSL_CTX_set_ex_data(context, slot_index(), new StapleSlot);
  // SSL_CTX_set_tlsext_status_cb, without the macro's C cast.
  SSL_CTX_callback_ctrl(
    context, SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB, reinterpret_cast<void (*)()>(send_staple));
}

void
set_staple(SSL_CTX* context, std::shared_ptr<const OcspStaple> staple)
{
  if (auto* slot = slot_of(context)) {
    const std::lock_guard lock(slot->mutex);
    slot->staple = std::move(staple);
  }
}

} // namespace reactor::tls
