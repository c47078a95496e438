#pragma once

// Internal to net/: the coroutines that run one connection, layered by concern.

#include "reactor/net/router.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

namespace reactor::net {

boost::asio::awaitable<void> run_http_session(boost::asio::ip::tcp::socket socket, Router& router);

boost::asio::awaitable<void> run_websocket_session(
  boost::beast::tcp_stream stream,
  boost::beast::http::request<boost::beast::http::empty_body> upgrade,
  std::shared_ptr<WebSocketPeer> peer,
  std::shared_ptr<Outbox> outbox);

} // namespace reactor::net
