#pragma once

// Internal to net/: the coroutines that run one connection, layered by concern.

#include "reactor/net/router.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string_view>

namespace reactor::net {

class Connections;

// Serves one HTTP/1.1 connection, registered in `connections` while it lives.
boost::asio::awaitable<void> run_http_session(boost::asio::ip::tcp::socket socket,
                                              Router& router,
                                              Connections& connections);

// Runs a WebSocket connection after its handshake was answered; `early_bytes` are what
// the client sent after its handshake, already read.
void start_websocket_session(boost::asio::ip::tcp::socket socket,
                             std::string_view early_bytes,
                             std::shared_ptr<WebSocketPeer> peer,
                             std::shared_ptr<Outbox> outbox);

} // namespace reactor::net
