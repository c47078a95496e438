#include "reactor/app/https_redirect.hpp"

namespace reactor::app {

namespace {

constexpr std::string_view k_acme_challenges = "/.well-known/acme-challenge/";

// The host name of a Host header: "[::1]:8080" gives "[::1]", "example.com:80" gives
// "example.com"; empty when it holds characters no host name has.
std::string_view
host_name(std::string_view host)
{
  std::string_view name = host;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    name = close == std::string_view::npos ? std::string_view{} : host.substr(0, close + 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
  }
  if (name.find_first_of("/?#@ \t\\") != std::string_view::npos) {
    return {};
  }
  return name;
}

} // namespace

std::string
https_location(std::string_view host, std::string_view target, std::uint16_t https_port)
{
  const std::string_view name = host_name(host);
  if (name.empty()) {
    return {};
  }
  std::string location = "https://";
  location += name;
  if (https_port != 443) {
    location += ':';
    location += std::to_string(https_port);
  }
  location += target.starts_with('/') ? target : "/";
  return location;
}

HttpsRedirect::HttpsRedirect(net::Router& inner, std::uint16_t https_port)
  : m_inner(inner)
  , m_https_port(https_port)
{
}

boost::asio::awaitable<net::Response>
HttpsRedirect::handle(net::Request request)
{
  if (request.path().starts_with(k_acme_challenges)) {
    co_return co_await m_inner.handle(request);
  }
  std::string location = https_location(request.host, request.target, m_https_port);
  if (location.empty()) {
    co_return net::json_error(400, "A Host header naming this server is required");
  }
  net::Response response;
  response.status = 308;
  response.headers.emplace_back("Location", std::move(location));
  co_return response;
}

std::shared_ptr<net::WebSocketPeer>
HttpsRedirect::accept_websocket(const net::Request& /*request*/,
                                std::shared_ptr<net::Outbox> /*outbox*/)
{
  return nullptr;
}

} // namespace reactor::app
