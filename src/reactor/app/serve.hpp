#pragma once

#include "reactor/builder/limits.hpp"
#include "reactor/util/log.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace reactor::app {

struct ServeOptions
{
  std::string db;    // empty: SQLite in the data directory
  std::string store; // empty: files in the data directory
  std::string listen = "127.0.0.1:3000";
  std::string listen_https;       // empty: no HTTPS; else plain HTTP redirects to it
  std::filesystem::path tls_cert; // PEM chain, leaf first
  std::filesystem::path tls_key;  // PEM private key of the leaf
  bool hsts = false;              // Strict-Transport-Security on HTTPS responses
  // ACME: on when acme_email is set with listen_https
  std::string acme_directory = "https://acme-v02.api.letsencrypt.org/directory";
  std::string acme_email;
  std::filesystem::path acme_ca_file;     // empty: the system's roots
  std::filesystem::path dns01_hook;       // empty: acme_challenge for the base domain only
  std::string acme_challenge = "http-01"; // or "tls-alpn-01": for names the hook does not set
  std::filesystem::path data_dir = ".reactor";
  std::string domain = "localhost";
  std::string public_url;             // empty: http://{id}.<domain>:<port>
  std::vector<std::string> api_hosts; // names the API answers for besides loopback
  // Custom domains: the addresses their A/AAAA records may name instead of a CNAME, and
  // the DNS resolver ("host:port") their records are read from ("" for the system's).
  std::vector<std::string> public_ips;
  std::string dns_resolver;
  std::chrono::milliseconds domain_recheck{ std::chrono::hours(1) };
  int workers = 0; // 0: builder::machine_worker_count for the build memory limit
  bool allow_local_repos = false;
  std::chrono::milliseconds lease_timeout{ 30'000 };
  builder::BuildLimits build_limits;
  bool build_network = true; // false: the build phase runs without a network
  std::uint64_t dependency_cache_bytes = 10ULL << 30;
  std::chrono::milliseconds dependency_cache_max_age = std::chrono::days(14);
  std::uint64_t build_cache_bytes = 2ULL << 30;
  // How often workers collect garbage (0: on demand only); blobs younger than the grace
  // period are never deleted.
  std::chrono::milliseconds gc_interval = std::chrono::hours(1);
  std::chrono::milliseconds gc_grace = std::chrono::hours(1);
  std::uint64_t edge_cache_bytes = 256ULL << 20;
  std::uint64_t object_cache_bytes = 10ULL << 30;     // disk cache of a remote object store
  std::filesystem::path secrets_key_file;             // empty: <data_dir>/secrets.key
  std::string api_token;                              // empty: no access control
  bool insecure_public = false;                       // listen beyond loopback without a token
  double deploy_rate_per_minute = 30;                 // per client address; 0: unlimited
  std::chrono::milliseconds shutdown_grace{ 10'000 }; // for requests in progress at SIGTERM
  util::log::Level log_level = util::log::Level::info;
  util::log::Format log_format = util::log::Format::text;
};

// Which parts of Reactor one process runs: `reactor serve` runs them all.
struct Roles
{
  bool api = true;    // REST, WebSocket and SSE, the web UI, and the hub behind them
  bool worker = true; // builds
  bool edge = true;   // deployed sites
};

// Runs the roles until SIGINT or SIGTERM; SIGHUP reloads the TLS certificate. Returns the process
// exit code.
int run_node(const ServeOptions& given, Roles roles);

} // namespace reactor::app
