#pragma once

#include "reactor/net/router.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace reactor::app {

// Where a plain-HTTP request for `target` ("/path?query") on `host` (the Host header,
// maybe with a port) goes over HTTPS: https://<host without port>[:https_port]<target>,
// the port left out when it is 443. Empty when `host` is empty or not a host name.
std::string https_location(std::string_view host,
                           std::string_view target,
                           std::uint16_t https_port);

// The plain-HTTP listener's router while HTTPS is served: ACME HTTP-01 challenges go to
// `inner` as before, everything else gets a 308 to the same URL over HTTPS.
class HttpsRedirect final : public net::Router
{
public:
  HttpsRedirect(net::Router& inner, std::uint16_t https_port);

  boost::asio::awaitable<net::Response> handle(net::Request request) override;
  // Refused: a WebSocket client must come back over wss.
  std::shared_ptr<net::WebSocketPeer> accept_websocket(
    const net::Request& request,
    std::shared_ptr<net::Outbox> outbox) override;

private:
  net::Router& m_inner;
  std::uint16_t m_https_port;
};

} // namespace reactor::app
