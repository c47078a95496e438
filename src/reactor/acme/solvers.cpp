#include "reactor/acme/solvers.hpp"

#include "reactor/acme/challenge_certificate.hpp"
#include "reactor/acme/key.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/process.hpp"
#include "reactor/util/sha256.hpp"

#include <algorithm>
#include <cctype>
#include <unistd.h>

namespace reactor::acme {

namespace {

constexpr std::chrono::minutes k_hook_timeout{ 2 };
constexpr std::string_view k_http01 = "http-01";
constexpr std::string_view k_tls_alpn01 = "tls-alpn-01";

std::string
challenge_fqdn(const Authorization& authorization)
{
  return "_acme-challenge." + authorization.domain + ".";
}

// The hook's environment: Reactor's own, so it finds its tools and credentials.
std::vector<std::string>
own_environment()
{
  std::vector<std::string> environment;
  for (char** each = ::environ; *each != nullptr; ++each) {
    environment.emplace_back(*each);
  }
  return environment;
}

class Dns01HookSolver final : public Solver
{
public:
  explicit Dns01HookSolver(std::vector<std::string> hook)
    : m_hook(std::move(hook))
  {
  }

  std::string_view type() const override { return "dns-01"; }

  util::Result<void> present(const Authorization& authorization,
                             const Challenge& /*challenge*/,
                             const std::string& key_authorization) override
  {
    return run("present", authorization, key_authorization);
  }

  void cleanup(const Authorization& authorization,
               const Challenge& /*challenge*/,
               const std::string& key_authorization) override
  {
    static_cast<void>(run("cleanup", authorization, key_authorization));
  }

private:
  util::Result<void> run(const std::string& action,
                         const Authorization& authorization,
                         const std::string& key_authorization)
  {
    auto argv = m_hook;
    argv.insert(argv.end(),
                { action, challenge_fqdn(authorization), dns01_value(key_authorization) });
    std::string last_line;
    auto ran = util::run_process({ .argv = argv,
                                   .env = own_environment(),
                                   .timeout = k_hook_timeout,
                                   .on_line = [&](std::string_view line) {
                                     util::log::info("acme.dns01_hook", { { "line", line } });
                                     last_line = line;
                                   } });
    const auto what = "--dns01-hook " + action + " for " + authorization.domain;
    if (!ran) {
      util::log::error("acme.dns01_hook_failed", { { "error", ran.error().message } });
      return util::fail(what + " could not start: " + ran.error().message);
    }
    if (!ran->succeeded()) {
      const auto how =
        ran->timed_out ? std::string("timed out") : "exited with " + std::to_string(ran->exit_code);
      util::log::error("acme.dns01_hook_failed", { { "action", action }, { "error", how } });
      return util::fail(what + " " + how + (last_line.empty() ? "" : ": " + last_line));
    }
    return {};
  }

  std::vector<std::string> m_hook;
};

// Where a TLS-ALPN-01 key authorization is kept: a key no HTTP-01 token can be (':' is not
// base64url), so the HTTP listener never answers it.
std::string
tls_alpn01_key(const std::string& name)
{
  return "tls-alpn-01:" + name;
}

// HTTP-01 and TLS-ALPN-01: the key authorization kept in the store, under the challenge's
// token or the name, for every node to answer with.
class StoreSolver final : public Solver
{
public:
  StoreSolver(store::MetadataStore& store, std::string_view type)
    : m_store(store)
    , m_type(type)
  {
  }

  std::string_view type() const override { return m_type; }

  util::Result<void> present(const Authorization& authorization,
                             const Challenge& challenge,
                             const std::string& key_authorization) override
  {
    return m_store.put_acme_challenge(key(authorization, challenge), key_authorization);
  }

  void cleanup(const Authorization& authorization,
               const Challenge& challenge,
               const std::string& /*key_authorization*/) override
  {
    if (auto deleted = m_store.delete_acme_challenge(key(authorization, challenge)); !deleted) {
      util::log::error("acme.challenge_cleanup_failed",
                       { { "type", m_type }, { "error", deleted.error().message } });
    }
  }

private:
  std::string key(const Authorization& authorization, const Challenge& challenge) const
  {
    return m_type == k_http01 ? challenge.token : tls_alpn01_key(authorization.domain);
  }

  store::MetadataStore& m_store;
  std::string_view m_type;
};

} // namespace

std::string
dns01_value(const std::string& key_authorization)
{
  return base64url(util::sha256(key_authorization));
}

std::unique_ptr<Solver>
make_dns01_hook_solver(std::vector<std::string> hook)
{
  return std::make_unique<Dns01HookSolver>(std::move(hook));
}

std::unique_ptr<Solver>
make_http01_store_solver(store::MetadataStore& store)
{
  return std::make_unique<StoreSolver>(store, k_http01);
}

bool
is_http01_token(std::string_view token)
{
  return !token.empty() && std::ranges::all_of(token, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
}

std::unique_ptr<Solver>
make_tls_alpn01_store_solver(store::MetadataStore& store)
{
  return std::make_unique<StoreSolver>(store, k_tls_alpn01);
}

std::optional<tls::PemCertificate>
tls_alpn01_answer(store::MetadataStore& store, const std::string& name)
{
  auto key_authorization = store.acme_challenge(tls_alpn01_key(name));
  if (!key_authorization) {
    util::log::error("acme.tls_alpn01_lookup_failed",
                     { { "name", name }, { "error", key_authorization.error().message } });
    return std::nullopt;
  }
  const auto& stored = *key_authorization;
  if (!stored) {
    return std::nullopt;
  }
  auto certificate = make_alpn_challenge_certificate(name, *stored);
  if (!certificate) {
    util::log::error("acme.tls_alpn01_certificate_failed",
                     { { "name", name }, { "error", certificate.error().message } });
    return std::nullopt;
  }
  return std::move(*certificate);
}

} // namespace reactor::acme
