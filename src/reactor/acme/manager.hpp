#pragma once

// Keeps the HTTPS listener's ACME certificates: every node serves what the store holds,
// and whichever node holds the ordering lease orders what is missing or due for renewal.

#include "reactor/store/metadata_store.hpp"
#include "reactor/tls/certificate_store.hpp"
#include "reactor/util/secret_box.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace reactor::acme {

// How a name that is not proven by the DNS-01 hook is proven.
enum class ChallengeType
{
  http01,    // an answer on the plain listener (port 80)
  tls_alpn01 // a certificate on the HTTPS listener (port 443) for ALPN "acme-tls/1"
};

struct Settings
{
  std::string directory_url;
  std::string email;
  std::filesystem::path ca_file;       // empty: the system's roots
  std::vector<std::string> dns01_hook; // empty: `challenge` for the base domain only
  ChallengeType challenge = ChallengeType::http01;
  std::string domain;
  std::string node; // this node's name as a lease holder
  std::chrono::milliseconds poll{ 2000 };
};

// The certificate Reactor orders for `settings`: the base domain and its wildcard with a
// DNS-01 hook, else the base domain alone.
std::vector<std::string> wanted_names(const Settings& settings);

// Every certificate Reactor orders, each as its names: wanted_names', then one per active
// custom domain (never one for a name that is not: `custom_domains` are the active ones)
// whose DNS pointed here at its last check: a validation of one that moved away could
// only fail, and spend the CA's limit on failures.
std::vector<std::vector<std::string>> wanted_certificates(
  const Settings& settings,
  const std::vector<core::CustomDomain>& custom_domains);

class Manager
{
public:
  Manager(store::MetadataStore& store,
          tls::CertificateStore& certificates,
          util::SecretKey secrets_key,
          Settings settings);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Serves what the store holds now (so HTTPS works before the first poll), then keeps
  // serving and ordering every `settings.poll` on a thread of its own until destroyed.
  void start();

private:
  // Hands certificates that are new or changed in the store to the TLS listener, and
  // withdraws those the store no longer has (a removed custom domain's).
  void serve_stored(const std::vector<store::ManagedCertificate>& stored);
  // Orders the wanted certificates that are due, while this node holds the lease.
  void order_when_due(const std::vector<store::ManagedCertificate>& stored);
  void order(store::ManagedCertificate certificate);
  void poll();

  store::MetadataStore& m_store;
  tls::CertificateStore& m_certificates;
  util::SecretKey m_secrets_key;
  Settings m_settings;
  // What the TLS listener was handed, by first name.
  struct Served
  {
    std::vector<std::string> names;
    std::int64_t not_after_ms = 0;
  };
  std::map<std::string, Served> m_served;
  std::chrono::steady_clock::time_point m_next_sweep; // of stale challenge answers
  std::jthread m_thread;
};

} // namespace reactor::acme
