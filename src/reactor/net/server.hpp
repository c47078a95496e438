#pragma once

#include "reactor/net/router.hpp"
#include "reactor/util/error.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace reactor::net {

struct ServerOptions
{
  std::string address = "127.0.0.1";
  std::uint16_t port = 3000;
  unsigned threads = 1; // one io_context per thread, each accepting from the one socket
  // Set: the listener speaks TLS, each connection starting on this context (which must
  // outlive the server).
  boost::asio::ssl::context* tls = nullptr;
  // Added to every response, each line ending in CRLF (for instance HSTS).
  std::string extra_headers;
};

// The HTTP/WebSocket listener (HTTPS/WSS with a TLS context): accepts connections and runs their
// sessions against the router.
class Server
{
public:
  Server(ServerOptions options, Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every acceptor. Fails with a message naming the address when it is taken.
  util::Result<void> listen();
  // The port actually bound (useful with port 0).
  std::uint16_t port() const;
  // Serves until stop(); blocks the calling thread (which becomes one of the threads).
  void run();
  // Stops accepting at once, then lets the connections finish: a request in progress
  // gets its response (with Connection: close), idle keep-alive connections close at
  // once, streams (SSE, WebSocket) end properly. run() returns when the last connection
  // is gone, or `grace` later at the latest. Any thread.
  void stop(std::chrono::milliseconds grace);
  // Ends every connection at once; run() returns (any thread).
  void stop_now();

private:
  struct State;
  std::unique_ptr<State> m_state;
};

} // namespace reactor::net
