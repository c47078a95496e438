#pragma once

#include "reactor/net/http_message.hpp"
#include "reactor/net/outbox.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <memory>
#include <string_view>

namespace reactor::net {

// The largest request body most endpoints take: room for a project variable's value of
// 64 KiB in its JSON body.
constexpr std::size_t k_default_max_body = 96 * 1024;

// The protocol spoken over one WebSocket; the transport only moves text frames.
class WebSocketPeer
{
public:
  virtual ~WebSocketPeer() = default;
  // One text message from the client (network thread: must not block).
  virtual void on_message(std::string_view text) = 0;
  // The connection ended; no more messages will be delivered.
  virtual void on_close() = 0;
};

// What the network layer hands requests to. Called on network threads: handle() must
// move blocking work elsewhere.
class Router
{
public:
  virtual ~Router() = default;
  virtual boost::asio::awaitable<Response> handle(Request request) = 0;
  // The largest body a request to `path` may send (a Git host's webhook is larger).
  virtual std::size_t max_body(std::string_view path) const
  {
    static_cast<void>(path);
    return k_default_max_body;
  }
  // The peer for a WebSocket upgrade, writing through `outbox`; nullptr refuses it (404).
  virtual std::shared_ptr<WebSocketPeer> accept_websocket(const Request& request,
                                                          std::shared_ptr<Outbox> outbox) = 0;
};

} // namespace reactor::net
