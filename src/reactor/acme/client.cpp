#include "reactor/acme/client.hpp"

#include "reactor/acme/key.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace reactor::acme {

namespace {

namespace json = boost::json;

constexpr std::chrono::milliseconds k_default_poll{ 1000 };
constexpr std::chrono::milliseconds k_longest_poll{ 60000 };
constexpr std::string_view k_bad_nonce = "urn:ietf:params:acme:error:badNonce";

std::string
text(const json::object& object, std::string_view key)
{
  const auto* found = object.if_contains(key);
  return found != nullptr && found->is_string() ? std::string(found->get_string()) : "";
}

util::Result<json::object>
parse_object(const HttpResponse& response, const std::string& url)
{
  boost::system::error_code ec;
  auto value = json::parse(response.body, ec);
  if (ec || !value.is_object()) {
    return util::fail(url + " did not answer with a JSON object");
  }
  return std::move(value.get_object());
}

// "type: detail" of a problem document (RFC 7807), or the body when it is not one.
std::string
problem(const json::value& document)
{
  if (!document.is_object()) {
    return "";
  }
  const auto& object = document.get_object();
  auto described = text(object, "detail");
  const auto type = text(object, "type");
  return type.empty() ? described : described + " (" + type + ")";
}

std::string
problem_of(const HttpResponse& response)
{
  boost::system::error_code ec;
  const auto value = json::parse(response.body, ec);
  auto described = ec ? std::string() : problem(value);
  return described.empty() ? response.body.substr(0, 200) : described;
}

Order
order_from(const json::object& object, std::string url)
{
  Order order{ .url = std::move(url),
               .status = text(object, "status"),
               .finalize = text(object, "finalize"),
               .certificate = text(object, "certificate") };
  if (const auto* authorizations = object.if_contains("authorizations");
      authorizations != nullptr && authorizations->is_array()) {
    for (const auto& each : authorizations->get_array()) {
      if (each.is_string()) {
        order.authorizations.emplace_back(each.get_string());
      }
    }
  }
  if (const auto* error = object.if_contains("error"); error != nullptr) {
    order.error = problem(*error);
  }
  return order;
}

Authorization
authorization_from(const json::object& object, std::string url)
{
  Authorization authorization{ .url = std::move(url), .status = text(object, "status") };
  if (const auto* identifier = object.if_contains("identifier");
      identifier != nullptr && identifier->is_object()) {
    authorization.domain = text(identifier->get_object(), "value");
  }
  if (const auto* wildcard = object.if_contains("wildcard"); wildcard != nullptr) {
    authorization.wildcard = wildcard->is_bool() && wildcard->get_bool();
  }
  if (const auto* challenges = object.if_contains("challenges");
      challenges != nullptr && challenges->is_array()) {
    for (const auto& each : challenges->get_array()) {
      if (!each.is_object()) {
        continue;
      }
      const auto& challenge = each.get_object();
      authorization.challenges.push_back(
        { text(challenge, "type"), text(challenge, "url"), text(challenge, "token") });
      if (const auto* error = challenge.if_contains("error"); error != nullptr) {
        authorization.error = problem(*error);
      }
    }
  }
  return authorization;
}

std::chrono::milliseconds
retry_after(const HttpResponse& response)
{
  const auto found = response.headers.find("retry-after");
  if (found == response.headers.end()) {
    return k_default_poll;
  }
  long seconds = 0;
  const auto& value = found->second;
  if (std::from_chars(value.data(), value.data() + value.size(), seconds).ec != std::errc{} ||
      seconds < 0) {
    return k_default_poll;
  }
  return std::min<std::chrono::milliseconds>(std::chrono::seconds(seconds), k_longest_poll);
}

} // namespace

Client::Client(Transport& transport, const EVP_PKEY& key, std::string directory_url, Sleep sleep)
  : m_transport(transport)
  , m_signer{ .key = &key }
  , m_directory_url(std::move(directory_url))
  , m_sleep(std::move(sleep))
{
}

util::Result<void>
Client::open()
{
  auto response = m_transport.request("GET", m_directory_url, "");
  if (!response) {
    return util::fail("cannot read the ACME directory: " + response.error().message);
  }
  if (response->status != 200) {
    return util::fail("the ACME directory " + m_directory_url + " answered " +
                      std::to_string(response->status) + ": check --acme-directory");
  }
  auto directory = parse_object(*response, m_directory_url);
  if (!directory) {
    return std::unexpected(std::move(directory.error()));
  }
  m_new_nonce = text(*directory, "newNonce");
  m_new_account = text(*directory, "newAccount");
  m_new_order = text(*directory, "newOrder");
  if (m_new_nonce.empty() || m_new_account.empty() || m_new_order.empty()) {
    return util::fail(m_directory_url + " is not an ACME directory (no newNonce, newAccount "
                                        "or newOrder): check --acme-directory");
  }
  return {};
}

util::Result<std::string>
Client::take_nonce()
{
  if (!m_nonce.empty()) {
    return std::exchange(m_nonce, {});
  }
  auto response = m_transport.request("HEAD", m_new_nonce, "");
  if (!response) {
    return std::unexpected(std::move(response.error()));
  }
  const auto found = response->headers.find("replay-nonce");
  if (found == response->headers.end()) {
    return util::fail(m_new_nonce + " gave no Replay-Nonce");
  }
  return found->second;
}

util::Result<HttpResponse>
Client::post(const std::string& url, const std::string& payload)
{
  for (int attempt = 0;; ++attempt) {
    auto nonce = take_nonce();
    if (!nonce) {
      return std::unexpected(std::move(nonce.error()));
    }
    auto body = sign_request(m_signer, *nonce, url, payload);
    if (!body) {
      return std::unexpected(std::move(body.error()));
    }
    auto response = m_transport.request("POST", url, *body);
    if (!response) {
      return std::unexpected(std::move(response.error()));
    }
    if (const auto fresh = response->headers.find("replay-nonce");
        fresh != response->headers.end()) {
      m_nonce = fresh->second;
    }
    if (response->status < 400) {
      return response;
    }
    const auto described = problem_of(*response);
    if (attempt == 0 && described.find(k_bad_nonce) != std::string::npos) {
      continue;
    }
    auto message = url + " answered " + std::to_string(response->status);
    message += ": ";
    message += described;
    return util::fail(std::move(message));
  }
}

util::Result<std::string>
Client::register_account(const std::string& email)
{
  const json::object payload{ { "termsOfServiceAgreed", true },
                              { "contact", json::array{ "mailto:" + email } } };
  m_signer.kid.clear();
  auto response = post(m_new_account, json::serialize(payload));
  if (!response) {
    return util::fail("cannot register the ACME account: " + response.error().message);
  }
  const auto location = response->headers.find("location");
  if (location == response->headers.end()) {
    return util::fail(m_new_account + " gave no account URL (Location)");
  }
  m_signer.kid = location->second;
  return location->second;
}

util::Result<Order>
Client::new_order(const std::vector<std::string>& names)
{
  json::array identifiers;
  for (const auto& name : names) {
    identifiers.push_back(json::object{ { "type", "dns" }, { "value", name } });
  }
  auto response =
    post(m_new_order, json::serialize(json::object{ { "identifiers", identifiers } }));
  if (!response) {
    return util::fail("cannot place the order: " + response.error().message);
  }
  auto object = parse_object(*response, m_new_order);
  if (!object) {
    return std::unexpected(std::move(object.error()));
  }
  const auto location = response->headers.find("location");
  return order_from(*object, location == response->headers.end() ? "" : location->second);
}

util::Result<Authorization>
Client::authorization(const std::string& url)
{
  auto response = post(url, "");
  if (!response) {
    return std::unexpected(std::move(response.error()));
  }
  auto object = parse_object(*response, url);
  if (!object) {
    return std::unexpected(std::move(object.error()));
  }
  return authorization_from(*object, url);
}

util::Result<void>
Client::respond(const Challenge& challenge)
{
  auto response = post(challenge.url, "{}");
  if (!response) {
    return std::unexpected(std::move(response.error()));
  }
  return {};
}

util::Result<Authorization>
Client::await_authorization(const std::string& url, int attempts)
{
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto response = post(url, "");
    if (!response) {
      return std::unexpected(std::move(response.error()));
    }
    auto object = parse_object(*response, url);
    if (!object) {
      return std::unexpected(std::move(object.error()));
    }
    auto authorization = authorization_from(*object, url);
    if (authorization.status != "pending" && authorization.status != "processing") {
      return authorization;
    }
    m_sleep(retry_after(*response));
  }
  return util::fail("the CA did not decide " + url + " in time");
}

util::Result<Order>
Client::read_order(const std::string& url)
{
  auto response = post(url, "");
  if (!response) {
    return std::unexpected(std::move(response.error()));
  }
  auto object = parse_object(*response, url);
  if (!object) {
    return std::unexpected(std::move(object.error()));
  }
  return order_from(*object, url);
}

util::Result<Order>
Client::finalize(const Order& order, const std::string& csr_der, int attempts)
{
  const json::object payload{ { "csr", base64url(csr_der) } };
  auto response = post(order.finalize, json::serialize(payload));
  if (!response) {
    return util::fail("cannot finalize the order: " + response.error().message);
  }
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto current = read_order(order.url);
    if (!current) {
      return std::unexpected(std::move(current.error()));
    }
    if (current->status == "valid" || current->status == "invalid") {
      return current;
    }
    m_sleep(k_default_poll);
  }
  return util::fail("the CA did not issue the certificate of " + order.url + " in time");
}

util::Result<std::string>
Client::download(const Order& order)
{
  auto response = post(order.certificate, "");
  if (!response) {
    return util::fail("cannot download the certificate: " + response.error().message);
  }
  return std::move(response->body);
}

std::string
Client::key_authorization(const std::string& token) const
{
  return token + "." + jwk_thumbprint(public_jwk(*m_signer.key));
}

} // namespace reactor::acme
