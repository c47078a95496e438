#include "reactor/tls/certificate_store.hpp"

#include "reactor/tls/names.hpp"
#include "reactor/util/log.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <condition_variable>

namespace reactor::tls {

// One certificate's context and the DNS names it covers.
struct Certificate
{
  std::shared_ptr<SSL_CTX> context;
  std::vector<std::string> names;
};

struct CertificateStore::Loaded
{
  std::vector<Certificate> certificates; // never empty; the first is the default
};

namespace {

// The DNS names of the context's certificate: its subjectAltName entries, else its
// common name.
std::vector<std::string>
certificate_names(SSL_CTX* context)
{
  std::vector<std::string> names;
  X509* leaf = SSL_CTX_get0_certificate(context);
  if (leaf == nullptr) {
    return names;
  }
  auto* alternatives =
    static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  if (alternatives != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(alternatives); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(alternatives, i);
      if (name->type == GEN_DNS) {
        const auto* text = reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName));
        names.emplace_back(text, static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
      }
    }
    GENERAL_NAMES_free(alternatives);
  }
  if (names.empty()) {
    std::array<char, 256> common{};
    const int length = X509_NAME_get_text_by_NID(
      X509_get_subject_name(leaf), NID_commonName, common.data(), common.size());
    if (length > 0) {
      names.emplace_back(common.data(), static_cast<std::size_t>(length));
    }
  }
  return names;
}

util::Result<std::shared_ptr<const CertificateStore::Loaded>>
load_all(const std::vector<CertificateFiles>& files, TicketKeys& ticket_keys)
{
  auto loaded = std::make_shared<CertificateStore::Loaded>();
  for (const auto& file : files) {
    auto context = make_certificate_context(file.certificate, file.key);
    if (!context) {
      return std::unexpected(std::move(context.error()));
    }
    ticket_keys.install(context->get());
    auto names = certificate_names(context->get());
    loaded->certificates.push_back(
      { std::shared_ptr<SSL_CTX>(context->release(), ContextFree{}), std::move(names) });
  }
  return loaded;
}

// The host_name of the client-hello's server_name extension; empty without one.
std::string_view
sni_name(SSL* ssl)
{
  const unsigned char* data = nullptr;
  std::size_t size = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &size) != 1) {
    return {};
  }
  // ServerNameList: a 2-byte length, then entries of a 1-byte type and a 2-byte length.
  std::size_t at = 2;
  while (at + 3 <= size) {
    const unsigned type = data[at];
    const std::size_t length = (static_cast<std::size_t>(data[at + 1]) << 8U) | data[at + 2];
    at += 3;
    if (at + length > size) {
      break;
    }
    if (type == TLSEXT_NAMETYPE_host_name) {
      return { reinterpret_cast<const char*>(data + at), length };
    }
    at += length;
  }
  return {};
}

const Certificate&
choose(const CertificateStore::Loaded& loaded, std::string_view host)
{
  for (const bool wildcard : { false, true }) {
    for (const auto& certificate : loaded.certificates) {
      for (const auto& name : certificate.names) {
        if (name.starts_with("*.") == wildcard && name_matches(name, host)) {
          return certificate;
        }
      }
    }
  }
  return loaded.certificates.front();
}

std::string
describe(const std::vector<CertificateFiles>& files)
{
  std::string text;
  for (const auto& file : files) {
    text += text.empty() ? "" : ", ";
    text += file.certificate.string();
  }
  return text;
}

} // namespace

CertificateStore::CertificateStore(std::vector<CertificateFiles> files,
                                   boost::asio::ssl::context front)
  : m_files(std::move(files))
  , m_front(std::move(front))
{
}

CertificateStore::~CertificateStore() = default;

util::Result<std::unique_ptr<CertificateStore>>
CertificateStore::open(std::vector<CertificateFiles> files)
{
  if (files.empty()) {
    return util::fail("--listen-https needs a certificate: give --tls-cert and --tls-key");
  }
  auto front = make_server_context();
  if (!front) {
    return std::unexpected(std::move(front.error()));
  }
  std::unique_ptr<CertificateStore> store(
    new CertificateStore(std::move(files), boost::asio::ssl::context(front->release())));
  static_cast<void>(store->files_changed());
  auto loaded = load_all(store->m_files, store->m_ticket_keys);
  if (!loaded) {
    return std::unexpected(std::move(loaded.error()));
  }
  store->m_loaded = std::move(*loaded);
  // Tickets are made and opened by the context a connection started with.
  store->m_ticket_keys.install(store->m_front.native_handle());
  SSL_CTX_set_client_hello_cb(store->m_front.native_handle(), on_client_hello, store.get());
  return store;
}

int
CertificateStore::on_client_hello(SSL* ssl, int* /*alert*/, void* store)
{
  const auto loaded = static_cast<CertificateStore*>(store)->loaded();
  // SSL_set_SSL_CTX holds a reference: the connection keeps its certificate's context
  // after a reload drops it from the set.
  SSL_set_SSL_CTX(ssl, choose(*loaded, sni_name(ssl)).context.get());
  return SSL_CLIENT_HELLO_SUCCESS;
}

std::shared_ptr<const CertificateStore::Loaded>
CertificateStore::loaded() const
{
  const std::lock_guard lock(m_mutex);
  return m_loaded;
}

util::Result<void>
CertificateStore::reload()
{
  auto loaded = load_all(m_files, m_ticket_keys);
  if (!loaded) {
    util::log::error("tls.reload_failed",
                     { { "error", loaded.error().message },
                       { "effect", "the certificates loaded before are still served" } });
    return std::unexpected(std::move(loaded.error()));
  }
  {
    const std::lock_guard lock(m_mutex);
    m_loaded = std::move(*loaded);
  }
  util::log::info("tls.reloaded", { { "certificates", describe(m_files) } });
  return {};
}

void
CertificateStore::watch(std::chrono::milliseconds period)
{
  m_watcher = std::jthread([this, period](const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    while (!wake.wait_for(lock, stop, period, [] { return false; })) {
      if (stop.stop_requested()) {
        return;
      }
      if (files_changed()) {
        static_cast<void>(reload());
      }
    }
  });
}

bool
CertificateStore::files_changed()
{
  std::vector<std::filesystem::file_time_type> times;
  std::vector<std::uintmax_t> sizes;
  for (const auto& file : m_files) {
    for (const auto* path : { &file.certificate, &file.key }) {
      std::error_code ec;
      times.push_back(std::filesystem::last_write_time(*path, ec));
      sizes.push_back(std::filesystem::file_size(*path, ec));
    }
  }
  const std::lock_guard lock(m_mutex);
  const bool changed = times != m_seen_times || sizes != m_seen_sizes;
  m_seen_times = std::move(times);
  m_seen_sizes = std::move(sizes);
  return changed;
}

} // namespace reactor::tls
