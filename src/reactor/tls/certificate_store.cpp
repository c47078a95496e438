#include "reactor/tls/certificate_store.hpp"

#include "reactor/util/log.hpp"

#include <openssl/ssl.h>

#include <condition_variable>

namespace reactor::tls {

namespace {

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

} // namespace

CertificateStore::CertificateStore(CertificateFiles files, boost::asio::ssl::context front)
  : m_files(std::move(files))
  , m_front(std::move(front))
{
}

CertificateStore::~CertificateStore() = default;

util::Result<std::unique_ptr<CertificateStore>>
CertificateStore::open(CertificateFiles files)
{
  auto front = make_server_context();
  if (!front) {
    return std::unexpected(std::move(front.error()));
  }
  std::unique_ptr<CertificateStore> store(
    new CertificateStore(std::move(files), boost::asio::ssl::context(front->release())));
  static_cast<void>(store->files_changed());
  auto loaded = load(store->m_files, store->m_ticket_keys);
  if (!loaded) {
    return std::unexpected(std::move(loaded.error()));
  }
  store->m_current = std::move(*loaded);
  // Tickets are made and opened by the context a connection started with.
  store->m_ticket_keys.install(store->m_front.native_handle());
  SSL_CTX_set_client_hello_cb(store->m_front.native_handle(), on_client_hello, store.get());
  return store;
}

int
CertificateStore::on_client_hello(SSL* ssl, int* /*alert*/, void* store)
{
  const auto current = static_cast<CertificateStore*>(store)->current();
  // SSL_set_SSL_CTX holds a reference: the connection keeps its certificate's context
  // after a reload replaces it.
  SSL_set_SSL_CTX(ssl, current.get());
  return SSL_CLIENT_HELLO_SUCCESS;
}

std::shared_ptr<SSL_CTX>
CertificateStore::current() const
{
  const std::lock_guard lock(m_mutex);
  return m_current;
}

util::Result<void>
CertificateStore::reload()
{
  auto loaded = load(m_files, m_ticket_keys);
  if (!loaded) {
    util::log::error("tls.reload_failed",
                     { { "error", loaded.error().message },
                       { "effect", "the certificate loaded before is still served" } });
    return std::unexpected(std::move(loaded.error()));
  }
  {
    const std::lock_guard lock(m_mutex);
    m_current = std::move(*loaded);
  }
  util::log::info("tls.reloaded", { { "certificate", m_files.certificate.string() } });
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
  for (const auto* path : { &m_files.certificate, &m_files.key }) {
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

} // namespace reactor::tls
