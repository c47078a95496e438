#pragma once

// One ACME account's conversation with a CA (RFC 8555): the directory, nonces, the
// account, orders, authorizations, challenges, finalization and the certificate. Blocking;
// one client per thread.

#include "reactor/acme/jws.hpp"
#include "reactor/acme/transport.hpp"
#include "reactor/util/error.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace reactor::acme {

struct Challenge
{
  std::string type; // "http-01", "dns-01", …
  std::string url;
  std::string token;
};

struct Authorization
{
  std::string url;
  std::string domain; // the identifier's value, without "*."
  bool wildcard = false;
  std::string status; // pending, valid, invalid, …
  std::vector<Challenge> challenges;
  std::string error; // the failed challenge's problem, when invalid
};

struct Order
{
  std::string url;
  std::string status; // pending, ready, processing, valid, invalid
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate; // once valid
  std::string error;
};

// Waits `delay` (tests pass one that returns at once).
using Sleep = std::function<void(std::chrono::milliseconds delay)>;

class Client
{
public:
  // `key` must outlive the client.
  Client(Transport& transport, const EVP_PKEY& key, std::string directory_url, Sleep sleep);

  // Reads the directory; fails with the URL and what was wrong.
  util::Result<void> open();

  // Creates the account (or finds the one the key already has) with `email` as contact,
  // agreeing to the terms of service; returns its URL, which signs every later request.
  util::Result<std::string> register_account(const std::string& email);

  // Signs later requests as the account at `url`, as register_account returned it.
  void use_account(std::string url) { m_signer.kid = std::move(url); }

  util::Result<Order> new_order(const std::vector<std::string>& names);
  util::Result<Authorization> authorization(const std::string& url);

  // Tells the CA the challenge is ready to be checked.
  util::Result<void> respond(const Challenge& challenge);

  // Polls the authorization until it is no longer pending or processing, waiting what
  // Retry-After says (1 s without it); fails after `attempts` polls.
  util::Result<Authorization> await_authorization(const std::string& url, int attempts);

  // Sends the DER CSR and polls until the order is valid or invalid.
  util::Result<Order> finalize(const Order& order, const std::string& csr_der, int attempts);

  // The PEM chain of a valid order.
  util::Result<std::string> download(const Order& order);

  // RFC 8555 §8.1: token "." the account key's thumbprint.
  std::string key_authorization(const std::string& token) const;

private:
  // POSTs the signed `payload` to `url`; a badNonce answer is retried once with the fresh
  // nonce it carries. Fails on an HTTP error, with the problem document's detail.
  util::Result<HttpResponse> post(const std::string& url, const std::string& payload);
  util::Result<std::string> take_nonce();
  util::Result<Order> read_order(const std::string& url);

  Transport& m_transport;
  Signer m_signer;
  std::string m_directory_url;
  Sleep m_sleep;
  std::string m_new_nonce;
  std::string m_new_account;
  std::string m_new_order;
  std::string m_nonce;
};

} // namespace reactor::acme
