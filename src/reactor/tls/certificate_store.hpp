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

// The certificates a TLS listener serves. Connections start on one front context, and
// the client-hello callback moves each to the certificate its SNI name matches (exactly,
// then by wildcard, else the first one). Reloading swaps the whole set at once; open
// connections keep the context they started with.
class CertificateStore
{
public:
  // Loads every certificate; fails with the first one's problem (flag and file named).
  static util::Result<std::unique_ptr<CertificateStore>> open(std::vector<CertificateFiles> files);

  ~CertificateStore();
  CertificateStore(const CertificateStore&) = delete;
  CertificateStore& operator=(const CertificateStore&) = delete;

  // The context TLS streams are created with (any thread; lives as long as the store).
  boost::asio::ssl::context& front() { return m_front; }

  // Reads the files again and swaps the set in when all of them load; otherwise logs the
  // error and keeps serving the certificates it had. Any thread.
  util::Result<void> reload();

  // Reloads whenever a file's modification time or size changes, looking every `period`
  // on a thread of its own until the store is destroyed.
  void watch(std::chrono::milliseconds period);

  struct Loaded;

private:
  CertificateStore(std::vector<CertificateFiles> files, boost::asio::ssl::context front);
  static int on_client_hello(SSL* ssl, int* alert, void* store);
  std::shared_ptr<const Loaded> loaded() const;
  // Whether the files differ from what was read last (and remembers them as read).
  bool files_changed();

  std::vector<CertificateFiles> m_files;
  TicketKeys m_ticket_keys;
  boost::asio::ssl::context m_front;
  mutable std::mutex m_mutex;
  std::shared_ptr<const Loaded> m_loaded;
  std::vector<std::filesystem::file_time_type> m_seen_times;
  std::vector<std::uintmax_t> m_seen_sizes;
  std::jthread m_watcher;
};

} // namespace reactor::tls
