#include "reactor/acme/issue.hpp"

#include "reactor/acme/csr.hpp"
#include "reactor/acme/key.hpp"

#include <algorithm>

namespace reactor::acme {

namespace {

// Polls of an authorization or an order before giving up (about a minute at 1 s each).
constexpr int k_poll_attempts = 60;

struct Presented
{
  Authorization authorization;
  Challenge challenge;
  std::string key_authorization;
};

// Cleans up every presented proof when the order ends, however it ends.
class Cleanup
{
public:
  explicit Cleanup(Solver& solver)
    : m_solver(solver)
  {
  }
  ~Cleanup()
  {
    for (const auto& each : m_presented) {
      m_solver.cleanup(each.authorization, each.challenge, each.key_authorization);
    }
  }
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;

  std::vector<Presented>& presented() { return m_presented; }

private:
  Solver& m_solver;
  std::vector<Presented> m_presented;
};

util::Result<void>
stopped()
{
  return util::fail("the order was abandoned: this node no longer holds its lease");
}

// Presents a proof for every authorization still pending, then asks the CA to check them
// all (the DNS-01 proofs of a name and its wildcard share one TXT name, so both must be in
// place before the CA looks).
util::Result<void>
prove(Client& client,
      const Order& order,
      Solver& solver,
      Cleanup& cleanup,
      const std::function<bool()>& keep_going)
{
  for (const auto& url : order.authorizations) {
    auto authorization = client.authorization(url);
    if (!authorization) {
      return std::unexpected(std::move(authorization.error()));
    }
    if (authorization->status == "valid") {
      continue;
    }
    const auto& challenges = authorization->challenges;
    const auto challenge = std::ranges::find(challenges, solver.type(), &Challenge::type);
    if (challenge == challenges.end()) {
      return util::fail("the CA offers no " + std::string(solver.type()) + " challenge for '" +
                        authorization->domain + "'");
    }
    auto key_authorization = client.key_authorization(challenge->token);
    auto presented = solver.present(*authorization, *challenge, key_authorization);
    cleanup.presented().push_back({ *authorization, *challenge, std::move(key_authorization) });
    if (!presented) {
      return presented;
    }
  }
  for (const auto& each : cleanup.presented()) {
    if (!keep_going()) {
      return stopped();
    }
    if (auto responded = client.respond(each.challenge); !responded) {
      return responded;
    }
  }
  for (const auto& each : cleanup.presented()) {
    auto decided = client.await_authorization(each.authorization.url, k_poll_attempts);
    if (!decided) {
      return std::unexpected(std::move(decided.error()));
    }
    if (decided->status != "valid") {
      return util::fail("the CA could not validate '" + each.authorization.domain + "' by " +
                        each.challenge.type + ": " +
                        (decided->error.empty() ? decided->status : decided->error));
    }
  }
  return {};
}

} // namespace

util::Result<Issued>
issue_certificate(Client& client,
                  const std::vector<std::string>& names,
                  Solver& solver,
                  const std::function<bool()>& keep_going)
{
  auto order = client.new_order(names);
  if (!order) {
    return std::unexpected(std::move(order.error()));
  }
  {
    Cleanup cleanup(solver);
    if (auto proven = prove(client, *order, solver, cleanup, keep_going); !proven) {
      return std::unexpected(std::move(proven.error()));
    }
  }
  if (!keep_going()) {
    return std::unexpected(stopped().error());
  }
  auto key = generate_key();
  if (!key) {
    return std::unexpected(std::move(key.error()));
  }
  auto csr = make_csr(**key, names);
  if (!csr) {
    return std::unexpected(std::move(csr.error()));
  }
  auto finalized = client.finalize(*order, *csr, k_poll_attempts);
  if (!finalized) {
    return std::unexpected(std::move(finalized.error()));
  }
  if (finalized->status != "valid") {
    return util::fail("the CA refused to issue the certificate: " +
                      (finalized->error.empty() ? finalized->status : finalized->error));
  }
  auto chain = client.download(*finalized);
  if (!chain) {
    return std::unexpected(std::move(chain.error()));
  }
  auto validity = leaf_validity(*chain);
  if (!validity) {
    return std::unexpected(std::move(validity.error()));
  }
  return Issued{ .chain_pem = std::move(*chain),
                 .key_pem = key_pem(**key),
                 .not_before = validity->not_before,
                 .not_after = validity->not_after };
}

} // namespace reactor::acme
