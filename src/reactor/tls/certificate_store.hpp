#pragma once

#include "reactor/tls/context.hpp"
#include "reactor/tls/ticket_keys.hpp"
#include "reactor/util/error.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace reactor::tls {

// A certificate chain and its key, as PEM files.
struct CertificateFiles
{
  std::filesystem::path certificate;
  std::filesystem::path key;
};

// The certificate a TLS listener serves. Connections start on one front context, and the
// client-hello callback moves each to the certificate's current context. Reloading swaps
// that context; open connections keep the one they started with.
class CertificateStore
{
public:
  // Loads the certificate; fails with its problem (flag and file named).
  static util::Result<std::unique_ptr<CertificateStore>> open(CertificateFiles files);

  ~CertificateStore();
  CertificateStore(const CertificateStore&) = delete;
  CertificateStore& operator=(const CertificateStore&) = delete;

  // The context TLS streams are created with (any thread; lives as long as the store).
  boost::asio::ssl::context& front() { return m_front; }

  // Reads the files again and swaps the certificate in when they load; otherwise logs the
  // error and keeps serving the certificate it had. Any thread.
  util::Result<void> reload();

  // Reloads whenever a file's modification time or size changes, looking every `period`
  // on a thread of its own until the store is destroyed.
  void watch(std::chrono::milliseconds period);

private:
  CertificateStore(CertificateFiles files, boost::asio::ssl::context front);
  static int on_client_hello(SSL* ssl, int* alert, void* store);
  std::shared_ptr<SSL_CTX> current() const;
  // Whether the files differ from what was read last (and remembers them as read).
  bool files_changed();

  CertificateFiles m_files;
  TicketKeys m_ticket_keys;
  boost::asio::ssl::context m_front;
  mutable std::mutex m_mutex;
  std::shared_ptr<SSL_CTX> m_current;
  std::vector<std::filesystem::file_time_type> m_seen_times;
  std::vector<std::uintmax_t> m_seen_sizes;
  std::jthread m_watcher;
};

} // namespace reactor::tls
