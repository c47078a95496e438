#include "reactor/acme/manager.hpp"

#include "reactor/acme/client.hpp"
#include "reactor/acme/issue.hpp"
#include "reactor/acme/key.hpp"
#include "reactor/acme/schedule.hpp"
#include "reactor/acme/solvers.hpp"
#include "reactor/util/log.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace reactor::acme {

namespace {

// One node orders at a time; the lease outlives a slow CA step and is renewed between
// steps, so a node that died frees it within a minute.
constexpr std::string_view k_lease = "acme-orders";
constexpr std::chrono::seconds k_lease_time{ 60 };
// A challenge's answer outlives any order that ends: one older was left by a crash.
constexpr std::chrono::hours k_challenge_lifetime{ 24 };

std::int64_t
now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::int64_t
to_ms(std::chrono::system_clock::time_point time)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// The associated data binding a sealed key to what it belongs to.
std::string
account_binding(const std::string& directory)
{
  return "acme-account:" + directory;
}

std::string
certificate_binding(const std::string& name)
{
  return "certificate:" + name;
}

const store::ManagedCertificate*
find(const std::vector<store::ManagedCertificate>& stored, const std::string& name)
{
  const auto found = std::ranges::find_if(stored, [&](const auto& certificate) {
    return !certificate.names.empty() && certificate.names.front() == name;
  });
  return found == stored.end() ? nullptr : &*found;
}

// The account key for the directory and its URL ("" when it is still to be registered).
struct Account
{
  Key key;
  std::string url;
};

util::Result<Account>
load_account(store::MetadataStore& store,
             const util::SecretKey& secrets_key,
             const std::string& directory)
{
  auto stored = store.acme_account(directory);
  if (!stored) {
    return std::unexpected(std::move(stored.error()));
  }
  const auto& found = *stored;
  if (!found) {
    auto key = generate_key();
    if (!key) {
      return std::unexpected(std::move(key.error()));
    }
    return Account{ std::move(*key), "" };
  }
  auto pem = util::open_sealed(secrets_key, found->sealed_key, account_binding(directory));
  if (!pem) {
    return util::fail("cannot open the stored ACME account key (was the secrets key file "
                      "replaced?): " +
                      pem.error().message);
  }
  auto key = read_key(*pem);
  if (!key) {
    return std::unexpected(std::move(key.error()));
  }
  return Account{ std::move(*key), found->url };
}

// Registers the account when it is new and stores it; the client then signs as it.
util::Result<void>
use_account(store::MetadataStore& store,
            const util::SecretKey& secrets_key,
            const Settings& settings,
            const Account& account,
            Client& client)
{
  if (!account.url.empty()) {
    client.use_account(account.url);
    return {};
  }
  auto url = client.register_account(settings.email);
  if (!url) {
    return std::unexpected(std::move(url.error()));
  }
  const store::AcmeAccount stored{
    settings.directory_url,
    *url,
    util::seal(secrets_key, key_pem(*account.key), account_binding(settings.directory_url))
  };
  if (auto saved = store.save_acme_account(stored); !saved) {
    return std::unexpected(std::move(saved.error()));
  }
  util::log::info("acme.account_registered", { { "account", *url } });
  return {};
}

} // namespace

std::vector<std::string>
wanted_names(const Settings& settings)
{
  if (settings.dns01_hook.empty()) {
    return { settings.domain };
  }
  return { settings.domain, "*." + settings.domain };
}

std::vector<std::vector<std::string>>
wanted_certificates(const Settings& settings, const std::vector<core::CustomDomain>& custom_domains)
{
  std::vector<std::vector<std::string>> wanted{ wanted_names(settings) };
  for (const auto& domain : custom_domains) {
    if (domain.last_error.empty()) {
      wanted.push_back({ domain.domain });
    }
  }
  return wanted;
}

Manager::Manager(store::MetadataStore& store,
                 tls::CertificateStore& certificates,
                 util::SecretKey secrets_key,
                 Settings settings)
  : m_store(store)
  , m_certificates(certificates)
  , m_secrets_key(secrets_key)
  , m_settings(std::move(settings))
{
}

Manager::~Manager() = default;

void
Manager::start()
{
  if (auto stored = m_store.certificates()) {
    serve_stored(*stored);
  }
  m_thread = std::jthread([this](const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    do {
      poll();
    } while (!wake.wait_for(lock, stop, m_settings.poll, [] { return false; }) &&
             !stop.stop_requested());
  });
}

void
Manager::poll()
{
  auto stored = m_store.certificates();
  if (!stored) {
    util::log::error("acme.poll_failed", { { "error", stored.error().message } });
    return;
  }
  serve_stored(*stored);
  order_when_due(*stored);
  // Once an hour, not every poll: each sweep is a write to the shared store.
  if (const auto now = std::chrono::steady_clock::now(); now >= m_next_sweep) {
    m_next_sweep = now + std::chrono::hours(1);
    const auto before = now_ms() - std::chrono::milliseconds(k_challenge_lifetime).count();
    if (auto swept = m_store.sweep_acme_challenges(before); swept && *swept > 0) {
      util::log::info("acme.challenges_swept", { { "count", *swept } });
    }
  }
}

void
Manager::serve_stored(const std::vector<store::ManagedCertificate>& stored)
{
  for (const auto& certificate : stored) {
    if (certificate.chain_pem.empty() || certificate.names.empty()) {
      continue;
    }
    const auto& name = certificate.names.front();
    if (const auto served = m_served.find(name);
        served != m_served.end() && served->second.not_after_ms == certificate.not_after_ms) {
      continue;
    }
    auto key = util::open_sealed(m_secrets_key, certificate.sealed_key, certificate_binding(name));
    auto served = key ? m_certificates.serve(certificate.names, certificate.chain_pem, *key)
                      : util::Result<void>(std::unexpected(key.error()));
    // A failure is logged once, not every poll.
    m_served[name] = Served{ certificate.names, certificate.not_after_ms };
    if (!served) {
      util::log::error("acme.serve_failed",
                       { { "name", name }, { "error", served.error().message } });
      continue;
    }
    util::log::info("acme.serving",
                    { { "name", name }, { "not_after_ms", certificate.not_after_ms } });
  }
  std::erase_if(m_served, [&](const auto& served) {
    if (find(stored, served.first) != nullptr) {
      return false;
    }
    m_certificates.withdraw(served.second.names);
    util::log::info("acme.withdrawn", { { "name", served.first } });
    return true;
  });
}

void
Manager::order_when_due(const std::vector<store::ManagedCertificate>& stored)
{
  auto custom_domains = m_store.custom_domains_in(core::DomainState::active);
  if (!custom_domains) {
    util::log::warn("acme.domains_unread", { { "error", custom_domains.error().message } });
    custom_domains.emplace(); // the base domain's certificate still renews
  }
  const auto wanted = wanted_certificates(m_settings, *custom_domains);
  const auto due = [](const store::ManagedCertificate* existing) {
    return existing == nullptr || existing->next_attempt_ms <= now_ms();
  };
  if (std::ranges::none_of(wanted,
                           [&](const auto& names) { return due(find(stored, names.front())); })) {
    return;
  }
  auto taken = m_store.take_lease(k_lease, m_settings.node, k_lease_time);
  if (!taken || !*taken) {
    return;
  }
  for (const auto& names : wanted) {
    // Another node may have finished the order between the read and the lease.
    auto current = m_store.certificates();
    if (!current || m_thread.get_stop_token().stop_requested()) {
      break;
    }
    if (const auto* existing = find(*current, names.front()); due(existing)) {
      order(existing != nullptr ? *existing : store::ManagedCertificate{ .names = names });
    }
  }
  static_cast<void>(m_store.release_lease(k_lease, m_settings.node));
}

void
Manager::order(store::ManagedCertificate certificate)
{
  const auto& name = certificate.names.front();
  util::log::info("acme.ordering", { { "name", name }, { "node", m_settings.node } });
  if (certificate.chain_pem.empty() && certificate.state != store::CertificateState::error) {
    certificate.state = store::CertificateState::issuing;
    static_cast<void>(m_store.save_certificate(certificate));
  }
  const auto transport = make_curl_transport(m_settings.ca_file);
  const auto keep_going = [this] {
    return !m_thread.get_stop_token().stop_requested() &&
           m_store.take_lease(k_lease, m_settings.node, k_lease_time).value_or(false);
  };
  auto issued = [&]() -> util::Result<Issued> {
    auto account = load_account(m_store, m_secrets_key, m_settings.directory_url);
    if (!account) {
      return std::unexpected(std::move(account.error()));
    }
    Client client(*transport, *account->key, m_settings.directory_url, [](auto delay) {
      std::this_thread::sleep_for(delay);
    });
    if (auto opened = client.open(); !opened) {
      return std::unexpected(std::move(opened.error()));
    }
    if (auto used = use_account(m_store, m_secrets_key, m_settings, *account, client); !used) {
      return std::unexpected(std::move(used.error()));
    }
    // The hook sets records of Reactor's own domain only: a custom domain proves itself
    // over HTTP-01 or TLS-ALPN-01, its DNS pointing here already.
    const bool own_domain = name == m_settings.domain;
    const auto solver =
      !m_settings.dns01_hook.empty() && own_domain ? make_dns01_hook_solver(m_settings.dns01_hook)
      : m_settings.challenge == ChallengeType::tls_alpn01 ? make_tls_alpn01_store_solver(m_store)
                                                          : make_http01_store_solver(m_store);
    return issue_certificate(client, certificate.names, *solver, keep_going);
  }();
  if (issued) {
    certificate.state = store::CertificateState::active;
    certificate.chain_pem = std::move(issued->chain_pem);
    certificate.sealed_key = util::seal(m_secrets_key, issued->key_pem, certificate_binding(name));
    certificate.not_before_ms = to_ms(issued->not_before);
    certificate.not_after_ms = to_ms(issued->not_after);
    certificate.next_attempt_ms =
      renewal_time_ms(certificate.not_before_ms, certificate.not_after_ms);
    certificate.last_error.clear();
    certificate.failures_ms.clear();
    util::log::info("acme.issued",
                    { { "name", name }, { "not_after_ms", certificate.not_after_ms } });
  } else {
    auto backoff = after_failure(std::move(certificate.failures_ms), now_ms());
    certificate.state = store::CertificateState::error;
    certificate.last_error = issued.error().message;
    certificate.next_attempt_ms = backoff.next_attempt_ms;
    certificate.failures_ms = std::move(backoff.failures_ms);
    util::log::error("acme.order_failed",
                     { { "name", name },
                       { "error", certificate.last_error },
                       { "next_attempt_ms", certificate.next_attempt_ms } });
  }
  if (auto saved = m_store.save_certificate(certificate); !saved) {
    util::log::error("acme.save_failed", { { "name", name }, { "error", saved.error().message } });
    return;
  }
  serve_stored({ certificate });
}

} // namespace reactor::acme
