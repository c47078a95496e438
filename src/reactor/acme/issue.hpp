#pragma once

// Obtaining one certificate: an order for its names, each authorization proven through a
// solver, a fresh key and CSR, finalization and the chain.

#include "reactor/acme/client.hpp"
#include "reactor/util/error.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace reactor::acme {

// Proves control of names for one challenge type.
class Solver
{
public:
  virtual ~Solver() = default;

  // The challenge type it answers ("dns-01", "http-01").
  virtual std::string_view type() const = 0;

  // Makes the proof visible; fails with what the operator should fix.
  virtual util::Result<void> present(const Authorization& authorization,
                                     const Challenge& challenge,
                                     const std::string& key_authorization) = 0;

  // Removes what present() made (errors are only logged).
  virtual void cleanup(const Authorization& authorization,
                       const Challenge& challenge,
                       const std::string& key_authorization) = 0;
};

struct Issued
{
  std::string chain_pem;
  std::string key_pem; // the certificate's own key
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
};

// Orders a certificate for `names` through an open client with an account, proving each
// authorization with `solver`; `keep_going` is called between steps and stops the order
// (failing) when it returns false, e.g. once the node lost its lease.
util::Result<Issued> issue_certificate(Client& client,
                                       const std::vector<std::string>& names,
                                       Solver& solver,
                                       const std::function<bool()>& keep_going);

} // namespace reactor::acme
