#include "reactor/acme/solvers.hpp"

#include "reactor/acme/key.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/process.hpp"

#include <openssl/sha.h>

#include <array>
#include <unistd.h>

namespace reactor::acme {

namespace {

constexpr std::chrono::minutes k_hook_timeout{ 2 };

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

class Http01StoreSolver final : public Solver
{
public:
  explicit Http01StoreSolver(store::MetadataStore& store)
    : m_store(store)
  {
  }

  std::string_view type() const override { return "http-01"; }

  util::Result<void> present(const Authorization& /*authorization*/,
                             const Challenge& challenge,
                             const std::string& key_authorization) override
  {
    return m_store.put_acme_challenge(challenge.token, key_authorization);
  }

  void cleanup(const Authorization& /*authorization*/,
               const Challenge& challenge,
               const std::string& /*key_authorization*/) override
  {
    if (auto deleted = m_store.delete_acme_challenge(challenge.token); !deleted) {
      util::log::error("acme.http01_cleanup_failed", { { "error", deleted.error().message } });
    }
  }

private:
  store::MetadataStore& m_store;
};

} // namespace

std::string
dns01_value(const std::string& key_authorization)
{
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(key_authorization.data()),
         key_authorization.size(),
         digest.data());
  return base64url({ reinterpret_cast<const char*>(digest.data()), digest.size() });
}

std::unique_ptr<Solver>
make_dns01_hook_solver(std::vector<std::string> hook)
{
  return std::make_unique<Dns01HookSolver>(std::move(hook));
}

std::unique_ptr<Solver>
make_http01_store_solver(store::MetadataStore& store)
{
  return std::make_unique<Http01StoreSolver>(store);
}

} // namespace reactor::acme
