#pragma once

#include "reactor/tls/context.hpp"
#include "reactor/tls/pem_context.hpp"
#include "reactor/tls/ticket_keys.hpp"
#include "reactor/util/error.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace reactor::tls {

// A certificate chain and its key, as PEM files.
struct CertificateFiles
{
  std::filesystem::path certificate;
  std::filesystem::path key;
};

// The certificate a TLS-ALPN-01 validation of `name` is to be shown (RFC 8737), or nothing
// when no such challenge of the name is pending. Called on a listener's thread.
using AlpnChallenges = std::function<std::optional<PemCertificate>(const std::string& name)>;

// The certificates a TLS listener serves. Connections start on one front context, and the
// client-hello callback moves each to the context of the certificate its SNI name picks:
// one served from memory (obtained over ACME) for that exact name, else for the wildcard
// one level up, else the files' certificate. Reloading or serving a newer certificate
// swaps that context; open connections keep the one they started with. A client-hello
// offering ALPN "acme-tls/1" is a CA validating a TLS-ALPN-01 challenge instead: it gets the
// challenge's certificate, or the handshake ends.
class CertificateStore
{
public:
  // Loads the files' certificate, when there are files; fails with its problem (flag and
  // file named).
  static util::Result<std::unique_ptr<CertificateStore>> open(
    std::optional<CertificateFiles> files);

  // Serves the PEM chain and key for each of `names` (exact, or "*.<domain>"), replacing
  // what they had; fails, changing nothing, when they do not load. Any thread.
  util::Result<void> serve(const std::vector<std::string>& names,
                           const std::string& chain_pem,
                           const std::string& key_pem);

  // Stops serving `names` from memory (the files' certificate answers them again); open
  // connections keep what they started with. Any thread.
  void withdraw(const std::vector<std::string>& names);
  ~CertificateStore();
  CertificateStore(const CertificateStore&) = delete;
  CertificateStore& operator=(const CertificateStore&) = delete;

  // The context TLS streams are created with (any thread; lives as long as the store).
  boost::asio::ssl::context& front() { return m_front; }

  // Reads the files again and swaps the certificate in when they load; otherwise logs the
  // error and keeps serving the certificate it had. Any thread.
  util::Result<void> reload();

  // Where TLS-ALPN-01 challenge certificates come from; without it, every validation's
  // handshake ends. Set before the listener starts.
  void answer_alpn_challenges(AlpnChallenges challenges)
  {
    m_alpn_challenges = std::move(challenges);
  }

  // Reloads whenever a file's modification time or size changes, looking every `period`
  // on a thread of its own until the store is destroyed.
  void watch(std::chrono::milliseconds period);

  // Staples OCSP to every certificate that names a responder: fetched on a thread of its
  // own when the certificate is first served, again half way through each response's
  // validity (5 minutes after a failure), until the store is destroyed.
  void start_stapling();

private:
  CertificateStore(std::optional<CertificateFiles> files, boost::asio::ssl::context front);
  static int on_client_hello(SSL* ssl, int* alert, void* store);
  // The context for a client-hello's SNI name ("" without one); null when none fits.
  std::shared_ptr<SSL_CTX> context_for(std::string_view server_name) const;
  // The context that answers a TLS-ALPN-01 validation of `server_name`; null when there is
  // no pending challenge for it.
  Context alpn_challenge_context(const std::string& server_name) const;
  // Whether the files differ from what was read last (and remembers them as read).
  bool files_changed(const CertificateFiles& files);
  // Has `context` send OCSP staples when its leaf names a responder; before it serves.
  void staple_when_possible(const std::shared_ptr<SSL_CTX>& context, const std::string& chain_pem);
  // Fetches the staples that are due (on the stapling thread).
  void refresh_staples();

  // A context that staples OCSP, and when its staple is next fetched.
  struct Stapled
  {
    std::weak_ptr<SSL_CTX> context; // expired once the store no longer serves it
    std::string chain_pem;
    std::string responder; // the OCSP URL its leaf names
    std::chrono::system_clock::time_point next_fetch;
  };

  std::optional<CertificateFiles> m_files;
  TicketKeys m_ticket_keys;
  boost::asio::ssl::context m_front;
  mutable std::mutex m_mutex;
  std::shared_ptr<SSL_CTX> m_current; // the files'; null without files
  std::map<std::string, std::shared_ptr<SSL_CTX>, std::less<>> m_by_name;
  std::vector<std::filesystem::file_time_type> m_seen_times;
  std::vector<std::uintmax_t> m_seen_sizes;
  AlpnChallenges m_alpn_challenges;
  std::vector<Stapled> m_stapled;
  std::jthread m_watcher;
  std::jthread m_stapler;
};

} // namespace reactor::tls
