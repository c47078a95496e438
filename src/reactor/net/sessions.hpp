#pragma once

// Internal to net/: the coroutines that run one connection, layered by concern.

#include "reactor/net/router.hpp"
#include "reactor/net/tls_stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace reactor::net {

class Connections;

// How a listener's connections are served.
struct SessionSettings
{
  // Set: connections speak TLS, starting on this context (which must outlive them).
  boost::asio::ssl::context* tls = nullptr;
  // Added to every response, each line ending in CRLF (for instance HSTS).
  std::string_view extra_headers;
};

// Serves one HTTP/1.1 connection (after its TLS handshake, when `settings` ask for TLS;
// HTTP/2 when the handshake chose it) from `peer`, registered in `connections` while it
// lives.
boost::asio::awaitable<void> run_http_session(boost::asio::ip::tcp::socket socket,
                                              boost::asio::ip::tcp::endpoint peer,
                                              Router& router,
                                              Connections& connections,
                                              const SessionSettings& settings);

// What every request on one connection is served with.
struct ConnectionContext
{
  Router& router;
  // The connection is registered here while it lives, so that a stop reaches it.
  Connections& connections;
  std::string remote_address;
  // Added to every response, each line ending in CRLF; outlives the connection.
  std::string_view extra_headers;
};

// Serves HTTP/2 on a TLS connection whose handshake chose "h2" through ALPN.
void start_http2_session(TlsStream stream, ConnectionContext context);

// Runs a WebSocket connection after its handshake was answered; `early_bytes` are what
// the client sent after its handshake, already read.
void start_websocket_session(boost::asio::ip::tcp::socket socket,
                             std::string_view early_bytes,
                             std::shared_ptr<WebSocketPeer> peer,
                             std::shared_ptr<Outbox> outbox);

// The same over TLS, which the kernel cannot write for us: a coroutine reads frames and
// another writes what the outbox holds.
void start_tls_websocket_session(TlsStream stream,
                                 std::string_view early_bytes,
                                 std::shared_ptr<WebSocketPeer> peer,
                                 std::shared_ptr<Outbox> outbox);

} // namespace reactor::net
