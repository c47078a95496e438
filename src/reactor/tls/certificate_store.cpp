#include "reactor/tls/certificate_store.hpp"

#include "reactor/tls/ocsp.hpp"
#include "reactor/tls/pem_context.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/text.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <sstream>

namespace reactor::tls {

namespace {

using Clock = std::chrono::system_clock;

// How often the stapling thread looks for staples that are due.
constexpr std::chrono::seconds k_staple_check{ 1 };
// After a failed fetch, the next try; never sooner than k_staple_floor after the last.
constexpr std::chrono::minutes k_staple_retry{ 5 };
constexpr std::chrono::minutes k_staple_floor{ 1 };

std::string
read_text(const std::filesystem::path& path)
{
  const std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The files' certificate in a context of its own, its tickets made with `ticket_keys`.
util::Result<std::shared_ptr<SSL_CTX>>
load(const CertificateFiles& files, TicketKeys& ticket_keys)
{
  auto context = make_certificate_context(files.certificate, files.key);
  if (!context) {
    return std::unexpected(std::move(context.error()));
  }
  ticket_keys.install(context->get());
  return std::shared_ptr<SSL_CTX>(context->release(), ContextFree{});
}

// The host name a client-hello asks for (RFC 6066 server_name), lowercased; "" without
// one. The callback runs before OpenSSL reads the extension itself.
std::string
requested_name(SSL* ssl)
{
  const unsigned char* data = nullptr;
  std::size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &length) != 1 || length < 5) {
    return "";
  }
  // list length (2), name type (1, host_name = 0), name length (2), name
  const std::size_t name_length = (std::size_t{ data[3] } << 8U) | data[4];
  if (data[2] != TLSEXT_NAMETYPE_host_name || 5 + name_length > length) {
    return "";
  }
  return util::ascii_lowercase({ reinterpret_cast<const char*>(data + 5), name_length });
}

// Whether the client-hello's ALPN list (RFC 7301) offers "acme-tls/1", as a CA validating a
// TLS-ALPN-01 challenge does.
bool
offers_acme_tls(SSL* ssl)
{
  const unsigned char* data = nullptr;
  std::size_t length = 0;
  if (SSL_client_hello_get0_ext(
        ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data, &length) != 1) {
    return false;
  }
  // list length (2), then each protocol as its length (1) and its name
  for (std::size_t at = 2; at < length;) {
    const std::size_t size = data[at];
    if (at + 1 + size > length) {
      return false;
    }
    if (std::string_view(reinterpret_cast<const char*>(data + at + 1), size) == "acme-tls/1") {
      return true;
    }
    at += 1 + size;
  }
  return false;
}

} // namespace

CertificateStore::CertificateStore(std::optional<CertificateFiles> files,
                                   boost::asio::ssl::context front)
  : m_files(std::move(files))
  , m_front(std::move(front))
{
}

CertificateStore::~CertificateStore() = default;

util::Result<std::unique_ptr<CertificateStore>>
CertificateStore::open(std::optional<CertificateFiles> files)
{
  auto front = make_server_context();
  if (!front) {
    return std::unexpected(std::move(front.error()));
  }
  std::unique_ptr<CertificateStore> store(
    new CertificateStore(std::move(files), boost::asio::ssl::context(front->release())));
  if (const auto given = store->m_files) {
    static_cast<void>(store->files_changed(*given));
    auto loaded = load(*given, store->m_ticket_keys);
    if (!loaded) {
      return std::unexpected(std::move(loaded.error()));
    }
    store->staple_when_possible(*loaded, read_text(given->certificate));
    store->m_current = std::move(*loaded);
  }
  // Tickets are made and opened by the context a connection started with.
  store->m_ticket_keys.install(store->m_front.native_handle());
  SSL_CTX_set_client_hello_cb(store->m_front.native_handle(), on_client_hello, store.get());
  return store;
}

int
CertificateStore::on_client_hello(SSL* ssl, int* alert, void* store)
{
  const auto& self = *static_cast<CertificateStore*>(store);
  if (offers_acme_tls(ssl)) {
    const auto challenge = self.alpn_challenge_context(requested_name(ssl));
    if (!challenge) {
      *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
      return SSL_CLIENT_HELLO_ERROR;
    }
    SSL_set_SSL_CTX(ssl, challenge.get()); // the connection holds a reference of its own
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  const auto context = self.context_for(requested_name(ssl));
  if (!context) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  // SSL_set_SSL_CTX holds a reference: the connection keeps its certificate's context
  // after a reload replaces it.
  SSL_set_SSL_CTX(ssl, context.get());
  return SSL_CLIENT_HELLO_SUCCESS;
}

std::shared_ptr<SSL_CTX>
CertificateStore::context_for(std::string_view server_name) const
{
  const std::lock_guard lock(m_mutex);
  if (const auto exact = m_by_name.find(server_name); exact != m_by_name.end()) {
    return exact->second;
  }
  if (const auto dot = server_name.find('.'); dot != std::string_view::npos) {
    const auto wildcard = m_by_name.find("*" + std::string(server_name.substr(dot)));
    if (wildcard != m_by_name.end()) {
      return wildcard->second;
    }
  }
  return m_current;
}

Context
CertificateStore::alpn_challenge_context(const std::string& server_name) const
{
  if (!m_alpn_challenges || server_name.empty()) {
    return nullptr;
  }
  const auto certificate = m_alpn_challenges(server_name);
  if (!certificate) {
    return nullptr;
  }
  auto context = make_alpn_challenge_context(*certificate);
  if (!context) {
    util::log::error("tls.alpn_challenge_failed",
                     { { "name", server_name }, { "error", context.error().message } });
    return nullptr;
  }
  return std::move(*context);
}

util::Result<void>
CertificateStore::serve(const std::vector<std::string>& names,
                        const std::string& chain_pem,
                        const std::string& key_pem)
{
  auto context = make_pem_context(chain_pem, key_pem);
  if (!context) {
    return std::unexpected(std::move(context.error()));
  }
  m_ticket_keys.install(context->get());
  const std::shared_ptr<SSL_CTX> shared(context->release(), ContextFree{});
  staple_when_possible(shared, chain_pem);
  const std::lock_guard lock(m_mutex);
  for (const auto& name : names) {
    m_by_name[util::ascii_lowercase(name)] = shared;
  }
  return {};
}

void
CertificateStore::withdraw(const std::vector<std::string>& names)
{
  const std::lock_guard lock(m_mutex);
  for (const auto& name : names) {
    m_by_name.erase(util::ascii_lowercase(name));
  }
}

util::Result<void>
CertificateStore::reload()
{
  if (!m_files) {
    return {};
  }
  auto loaded = load(*m_files, m_ticket_keys);
  if (!loaded) {
    util::log::error("tls.reload_failed",
                     { { "error", loaded.error().message },
                       { "effect", "the certificate loaded before is still served" } });
    return std::unexpected(std::move(loaded.error()));
  }
  staple_when_possible(*loaded, read_text(m_files->certificate));
  {
    const std::lock_guard lock(m_mutex);
    m_current = std::move(*loaded);
  }
  util::log::info("tls.reloaded", { { "certificate", m_files->certificate.string() } });
  return {};
}

void
CertificateStore::watch(std::chrono::milliseconds period)
{
  if (!m_files) {
    return;
  }
  m_watcher = std::jthread([this, period, files = *m_files](const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    while (!wake.wait_for(lock, stop, period, [] { return false; })) {
      if (stop.stop_requested()) {
        return;
      }
      if (files_changed(files)) {
        static_cast<void>(reload());
      }
    }
  });
}

bool
CertificateStore::files_changed(const CertificateFiles& files)
{
  std::vector<std::filesystem::file_time_type> times;
  std::vector<std::uintmax_t> sizes;
  for (const auto* path : { &files.certificate, &files.key }) {
    std::error_code ec;
    times.push_back(std::filesystem::last_write_time(*path, ec));
    sizes.push_back(std::filesystem::file_size(*path, ec));
  }
  const std::lock_guard lock(m_mutex);
  const bool changed = times != m_seen_times || sizes != m_seen_sizes;
  m_seen_times = std::move(times);
  m_seen_sizes = std::move(sizes);
  return changed;
}

void
CertificateStore::staple_when_possible(const std::shared_ptr<SSL_CTX>& context,
                                       const std::string& chain_pem)
{
  auto responder = ocsp_responder(chain_pem);
  if (responder.empty()) {
    return;
  }
  enable_stapling(context.get());
  const std::lock_guard lock(m_mutex);
  std::erase_if(m_stapled, [](const Stapled& each) { return each.context.expired(); });
  m_stapled.push_back({ .context = context,
                        .chain_pem = chain_pem,
                        .responder = std::move(responder),
                        .next_fetch = {} });
}

void
CertificateStore::start_stapling()
{
  m_stapler = std::jthread([this](const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    do {
      refresh_staples();
    } while (!wake.wait_for(lock, stop, k_staple_check, [] { return false; }) &&
             !stop.stop_requested());
  });
}

void
CertificateStore::refresh_staples()
{
  const auto now = Clock::now();
  std::vector<std::pair<std::shared_ptr<SSL_CTX>, Stapled>> due;
  {
    const std::lock_guard lock(m_mutex);
    std::erase_if(m_stapled, [](const Stapled& each) { return each.context.expired(); });
    for (const auto& each : m_stapled) {
      if (auto context = each.context.lock(); context && each.next_fetch <= now) {
        due.emplace_back(std::move(context), each);
      }
    }
  }
  for (const auto& [context, stapled] : due) {
    auto staple = fetch_ocsp_staple(stapled.chain_pem);
    auto next_fetch = now + k_staple_retry;
    if (staple) {
      next_fetch = std::max(staple->refresh_at, now + k_staple_floor);
      util::log::info(
        "tls.ocsp_stapled",
        { { "responder", stapled.responder },
          { "next_fetch_ms",
            std::chrono::duration_cast<std::chrono::milliseconds>(next_fetch.time_since_epoch())
              .count() } });
      set_staple(context.get(), std::make_shared<const OcspStaple>(std::move(*staple)));
    } else {
      util::log::warn("tls.ocsp_failed",
                      { { "error", staple.error().message },
                        { "effect", "handshakes go on without a staple; retried in 5 minutes" } });
    }
    const std::lock_guard lock(m_mutex);
    for (auto& each : m_stapled) {
      if (each.context.lock() == context) {
        each.next_fetch = next_fetch;
      }
    }
  }
}

} // namespace reactor::tls
