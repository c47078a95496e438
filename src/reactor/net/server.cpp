#include "reactor/net/server.hpp"

#include "reactor/net/connections.hpp"
#include "reactor/net/sessions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace reactor::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Per io_context: its connections, its acceptor and the end of its grace period. Members
// are destroyed in reverse: the context goes after everything bound to it, and the
// connections after the context (its sessions unregister as it destroys them).
struct Listener
{
  Connections connections;
  std::unique_ptr<asio::io_context> context;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> grace;

  ~Listener() { connections.forget(); }
};

struct Server::State
{
  ServerOptions options;
  Router& router;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::uint16_t bound_port = 0;
};

namespace {

asio::awaitable<void>
accept_loop(tcp::acceptor& acceptor, Router& router, Connections& connections)
{
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
      co_return;
    }
    if (ec) {
      continue; // e.g. EMFILE: the connection is dropped, the listener goes on
    }
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(),
                   run_http_session(std::move(socket), router, connections),
                   asio::detached);
  }
}

} // namespace

Server::Server(ServerOptions options, Router& router)
  : m_state(std::make_unique<State>(State{ std::move(options), router, {}, 0 }))
{
}

Server::~Server() = default;

core::Result<void>
Server::listen()
{
  const unsigned threads = std::max(1U, m_state->options.threads);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(m_state->options.address, ec);
  if (ec) {
    return core::fail("--listen address '" + m_state->options.address + "' is not an IP address");
  }
  std::uint16_t port = m_state->options.port;
  for (unsigned i = 0; i < threads; ++i) {
    auto context = std::make_unique<asio::io_context>(1);
    auto acceptor = std::make_unique<tcp::acceptor>(*context);
    const tcp::endpoint endpoint(address, port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor->set_option(tcp::acceptor::reuse_address(true));
      const int enable = 1;
      ::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &enable, sizeof enable);
      acceptor->bind(endpoint, ec);
    }
    if (!ec) {
      acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return core::fail("cannot listen on " + m_state->options.address + ":" +
                        std::to_string(port) + ": " + ec.message());
    }
    // With port 0 the first acceptor picks the port and the others share it.
    port = acceptor->local_endpoint().port();
    auto listener = std::make_unique<Listener>();
    listener->grace = std::make_unique<asio::steady_timer>(*context);
    listener->acceptor = std::move(acceptor);
    listener->context = std::move(context);
    m_state->listeners.push_back(std::move(listener));
  }
  m_state->bound_port = port;
  return {};
}

std::uint16_t
Server::port() const
{
  return m_state->bound_port;
}

void
Server::run()
{
  for (auto& listener : m_state->listeners) {
    asio::co_spawn(*listener->context,
                   accept_loop(*listener->acceptor, m_state->router, listener->connections),
                   asio::detached);
  }
  std::vector<std::jthread> others;
  for (std::size_t i = 1; i < m_state->listeners.size(); ++i) {
    others.emplace_back([context = m_state->listeners[i]->context.get()] { context->run(); });
  }
  if (!m_state->listeners.empty()) {
    m_state->listeners.front()->context->run();
  }
}

void
Server::stop(std::chrono::milliseconds grace)
{
  for (auto& listener : m_state->listeners) {
    asio::post(*listener->context, [&listener = *listener, grace] {
      boost::system::error_code ignored;
      listener.acceptor->close(ignored);
      auto& context = *listener.context;
      listener.grace->expires_after(grace);
      listener.grace->async_wait([&context](boost::system::error_code ec) {
        if (!ec) {
          context.stop();
        }
      });
      listener.connections.stop([&context] { context.stop(); });
    });
  }
}

void
Server::stop_now()
{
  for (auto& listener : m_state->listeners) {
    listener->context->stop();
  }
}

} // namespace reactor::net
