#include "reactor/domains/verifier.hpp"

#include "reactor/domains/resolver.hpp"
#include "reactor/store/sql_store.hpp"
#include "reactor/util/log.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace reactor::domains {

DomainVerifier::DomainVerifier(store::MetadataStore& store, VerifierOptions options)
  : m_store(store)
  , m_options(std::move(options))
{
}

void
DomainVerifier::start()
{
  m_thread = std::jthread([this](const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
      check_pending();
      // The active domains are read at most once a minute, not every period.
      if (const auto now = std::chrono::steady_clock::now(); now >= m_next_recheck) {
        m_next_recheck =
          now + std::min<std::chrono::milliseconds>(m_options.recheck, std::chrono::minutes(1));
        recheck_active();
      }
      std::unique_lock lock(mutex);
      wake.wait_for(lock, stop, m_options.period, [] { return false; });
    }
  });
}

void
DomainVerifier::check_pending()
{
  auto pending = m_store.custom_domains_in(core::DomainState::pending_dns);
  if (!pending) {
    util::log::warn("domains.read_failed", { { "error", pending.error().message } });
    return;
  }
  for (auto& domain : *pending) {
    domain.last_error = what_to_fix(domain);
    domain.state =
      domain.last_error.empty() ? core::DomainState::active : core::DomainState::pending_dns;
    record(domain);
  }
}

void
DomainVerifier::recheck_active()
{
  auto active = m_store.custom_domains_in(core::DomainState::active);
  if (!active) {
    util::log::warn("domains.read_failed", { { "error", active.error().message } });
    return;
  }
  const auto due_before = store::wall_clock_ms() - m_options.recheck.count();
  for (auto& domain : *active) {
    if (domain.checked_at_ms > due_before) {
      continue;
    }
    const std::string problem = what_to_fix(domain);
    domain.last_error = problem.empty()
                          ? std::string()
                          : problem + " It is still served, and its certificate is renewed once it "
                                      "points here again.";
    record(domain);
  }
}

std::string
DomainVerifier::what_to_fix(const core::CustomDomain& domain) const
{
  const std::string target = domain.project + "." + m_options.site_domain;
  auto answer = look_up(domain.domain, m_options.resolver);
  if (!answer) {
    return answer.error().message;
  }
  auto verdict = core::check_points_here(domain.domain, *answer, target, m_options.public_ips);
  return verdict ? std::string() : verdict.error().message;
}

void
DomainVerifier::record(const core::CustomDomain& checked)
{
  core::CustomDomain recorded = checked;
  recorded.checked_at_ms = store::wall_clock_ms();
  util::log::info("domains.checked",
                  { { "domain", recorded.domain },
                    { "project", recorded.project },
                    { "state", core::to_string(recorded.state) },
                    { "error", recorded.last_error } });
  if (auto written = m_store.record_domain_check(recorded); !written) {
    util::log::warn("domains.record_failed",
                    { { "domain", recorded.domain }, { "error", written.error().message } });
  }
}

} // namespace reactor::domains
