#include "reactor/domains/verifier.hpp"

#include "reactor/domains/resolver.hpp"
#include "reactor/store/sql_store.hpp"
#include "reactor/util/log.hpp"

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
    const std::string target = domain.project + "." + m_options.site_domain;
    auto answer = look_up(domain.domain, m_options.resolver);
    util::Result<void> verdict =
      answer ? core::check_points_here(domain.domain, *answer, target, m_options.public_ips)
             : util::Result<void>(std::unexpected(answer.error()));
    domain.state = verdict ? core::DomainState::active : core::DomainState::pending_dns;
    domain.last_error = verdict ? std::string() : verdict.error().message;
    domain.checked_at_ms = store::wall_clock_ms();
    util::log::info("domains.checked",
                    { { "domain", domain.domain },
                      { "project", domain.project },
                      { "state", core::to_string(domain.state) },
                      { "error", domain.last_error } });
    if (auto recorded = m_store.record_domain_check(domain); !recorded) {
      util::log::warn("domains.record_failed",
                      { { "domain", domain.domain }, { "error", recorded.error().message } });
    }
  }
}

} // namespace reactor::domains
