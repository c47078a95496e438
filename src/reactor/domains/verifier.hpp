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
  // How long an active domain goes between checks of its DNS.
  std::chrono::milliseconds recheck{ std::chrono::hours(1) };
};

// Checks the DNS of custom domains pending it, every period on a thread of its own, and
// records each check: a domain that points here becomes active; one that does not keeps
// waiting with what to fix. Active domains are checked again every `recheck`: one whose
// DNS moved away stays active (a passing DNS fault must not take a site down) with what
// to fix as its error, and its certificate is not renewed until it points here again.
class DomainVerifier
{
public:
  DomainVerifier(store::MetadataStore& store, VerifierOptions options);

  // Starts checking; stops when destroyed.
  void start();

  // One round over the pending domains (what the thread runs; blocking).
  void check_pending();
  // One round over the active domains last checked `recheck` ago or more (blocking).
  void recheck_active();

private:
  // What the DNS says is wrong with `domain`; empty when it points here.
  std::string what_to_fix(const core::CustomDomain& domain) const;
  void record(const core::CustomDomain& checked);

  store::MetadataStore& m_store;
  VerifierOptions m_options;
  std::chrono::steady_clock::time_point m_next_recheck; // the next round over active ones
  std::jthread m_thread;
};

} // namespace reactor::domains
