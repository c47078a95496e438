#pragma once

#include "reactor/store/metadata_store.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace reactor::domains {

struct VerifierOptions
{
  std::string site_domain;             // a project's production hostname is <project>.<this>
  std::string resolver;                // "host:port"; "" for the system's
  std::vector<std::string> public_ips; // A/AAAA values that point at this server
  std::chrono::milliseconds period{ 5000 };
};

// Checks the DNS of custom domains pending it, every period on a thread of its own, and
// records each check: a domain that points here becomes active; one that does not keeps
// waiting with what to fix.
class DomainVerifier
{
public:
  DomainVerifier(store::MetadataStore& store, VerifierOptions options);

  // Starts checking; stops when destroyed.
  void start();

  // One round over the pending domains (what the thread runs; blocking).
  void check_pending();

private:
  store::MetadataStore& m_store;
  VerifierOptions m_options;
  std::jthread m_thread;
};

} // namespace reactor::domains
