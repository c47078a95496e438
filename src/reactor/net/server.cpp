#include "reactor/net/server.hpp"

#include "reactor/net/connections.hpp"
#include "reactor/net/sessions.hpp"
#include "reactor/util/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <cerrno>
#include <exception>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace reactor::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// An io_context whose queued operations can be destroyed before it is: an accept pending on
// one context holds the socket it accepts into on another (a hand-off), so after stop_now()
// every context's operations must go while all the contexts still exist.
class ListenerContext : public asio::io_context
{
public:
  using asio::execution_context::shutdown;
  using asio::io_context::io_context;
};

// Per io_context: its connections, the acceptor (the first context only) and the end of
// its grace period. Members are destroyed in reverse: the context goes after everything bound to
// it, and the connections after the context (its sessions unregister as it destroys them).
struct Listener
{
  // Connections the acceptor gave this context whose session has not started (registered)
  // yet: in a burst of accepts the other thread takes a while to start what it was handed,
  // and without these the balance below would keep handing to it.
  std::atomic<std::size_t> arriving = 0;
  Connections connections;
  std::unique_ptr<ListenerContext> context;
  std::unique_ptr<tcp::acceptor> acceptor; // its own descriptor of the shared listening socket
  // Keeps run() going while the context has no connection yet.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::unique_ptr<asio::steady_timer> grace;

  ~Listener() { connections.forget(); }
};

struct Server::State
{
  State(ServerOptions given, Router& serving)
    : options(std::move(given))
    , router(serving)
  {
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  State(State&&) = delete;
  State& operator=(State&&) = delete;
  ~State()
  {
    for (const auto& listener : listeners) {
      listener->context->shutdown();
    }
  }

  ServerOptions options;
  Router& router;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::uint16_t bound_port = 0;
  SessionSettings session_settings;
  // When a failed accept was last logged (steady clock ticks; 0 for never), whichever
  // thread's it was.
  std::atomic<std::chrono::steady_clock::rep> accept_failure_logged = 0;
};

namespace {

// The completion handler of a spawned coroutine: an exception that escaped it (a bug) is
// logged once, and the server carries on without that connection, as Beast's examples do.
auto
log_escaped(const char* what)
{
  return [what](const std::exception_ptr& escaped) {
    if (!escaped) {
      return;
    }
    try {
      std::rethrow_exception(escaped);
    } catch (const std::exception& error) {
      util::log::error("server.uncaught", { { "in", what }, { "error", error.what() } });
    } catch (...) {
      util::log::error("server.uncaught", { { "in", what }, { "error", "unknown exception" } });
    }
  };
}

// After accept failed (EMFILE: out of descriptors; ENOBUFS …), waits before the next try:
// the connection stays in the backlog, so retrying at once would spin a core at 100 %
// until a descriptor frees. Logs at most one failure a minute: every thread's acceptor
// fails at once when descriptors run out, and a run of failures can be broken by an
// accept that got a descriptor just before another thread's failed.
asio::awaitable<void>
pause_after_failed_accept(tcp::acceptor& acceptor,
                          const boost::system::error_code& ec,
                          std::atomic<std::chrono::steady_clock::rep>& logged)
{
  constexpr auto k_log_every = std::chrono::minutes(1);
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto last = logged.load();
  const bool due = last == 0 || std::chrono::steady_clock::duration(now - last) >= k_log_every;
  if (due && logged.compare_exchange_strong(last, now)) {
    const bool out_of_descriptors = ec == boost::system::errc::too_many_files_open ||
                                    ec == boost::system::errc::too_many_files_open_in_system;
    util::log::warn("net.accept_failed",
                    { { "error", ec.message() },
                      { "hint",
                        out_of_descriptors ? "raise the open-file limit (LimitNOFILE= in the "
                                             "systemd unit, ulimit -Hn in a shell)"
                                           : "" } });
  }
  asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
  co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
}

// A connection is accepted once its first bytes arrived (HTTP and TLS clients speak
// first, as nginx's `listen … deferred` relies on): the wake-up for the connection and
// the one for its request or client hello become one, and a connection that sends
// nothing holds no descriptor. One that stays silent is accepted after about a second.
void
defer_accept_until_data(tcp::acceptor& acceptor)
{
  const int seconds = 1;
  // Only a saving: where the kernel refuses, connections are accepted as before.
  static_cast<void>(::setsockopt(
    acceptor.native_handle(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds));
}

// How many more connections a thread holds than another before it hands the ones it
// accepts to that one.
constexpr std::size_t k_handoff_margin = 4;

std::size_t
load(const Listener& listener)
{
  return listener.connections.open() + listener.arriving.load(std::memory_order_relaxed);
}

// A session counted in its listener's `arriving` until it starts, when it registers itself.
asio::awaitable<void>
arrive(Listener& target, asio::awaitable<void> session)
{
  target.arriving.fetch_sub(1, std::memory_order_relaxed);
  co_await std::move(session);
}

// Where a connection accepted on `own` is served: on its own thread (no hand-off, no
// wake-up of another), unless another holds k_handoff_margin fewer connections. Whichever
// thread is idle accepts, which spreads short connections; a burst of keep-alive ones can
// still land on one thread, and is evened out here.
Listener&
serving_listener(Listener& own, const std::vector<std::unique_ptr<Listener>>& listeners)
{
  Listener* chosen = &own;
  for (const auto& other : listeners) {
    if (load(*other) + k_handoff_margin <= load(*chosen)) {
      chosen = other.get();
    }
  }
  return *chosen;
}

// Every thread accepts from the listening socket through a descriptor of its own (in its
// own epoll), as each nginx worker does.
asio::awaitable<void>
accept_loop(Listener& own,
            const std::vector<std::unique_ptr<Listener>>& listeners,
            Router& router,
            const SessionSettings& settings,
            std::atomic<std::chrono::steady_clock::rep>& failure_logged)
{
  tcp::acceptor& acceptor = *own.acceptor;
  for (;;) {
    Listener& target = serving_listener(own, listeners);
    tcp::endpoint peer; // filled by accept(2) itself, saving a getpeername(2)
    auto [ec, socket] =
      co_await acceptor.async_accept(*target.context, peer, asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
      co_return;
    }
    if (ec) {
      co_await pause_after_failed_accept(acceptor, ec, failure_logged);
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    auto session = run_http_session(std::move(socket), peer, router, target.connections, settings);
    target.arriving.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(*target.context, arrive(target, std::move(session)), log_escaped("session"));
  }
}

} // namespace

Server::Server(ServerOptions options, Router& router)
  : m_state(std::make_unique<State>(std::move(options), router))
{
  m_state->session_settings = { m_state->options.tls, m_state->options.extra_headers };
}

Server::~Server() = default;

util::Result<void>
Server::listen()
{
  const unsigned threads = std::max(1U, m_state->options.threads);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(m_state->options.address, ec);
  if (ec) {
    return util::fail("listen address '" + m_state->options.address + "' is not an IP address");
  }
  for (unsigned i = 0; i < threads; ++i) {
    auto listener = std::make_unique<Listener>();
    listener->context = std::make_unique<ListenerContext>(1);
    listener->grace = std::make_unique<asio::steady_timer>(*listener->context);
    listener->keep_running.emplace(listener->context->get_executor());
    m_state->listeners.push_back(std::move(listener));
  }
  // The listening socket, opened on the first context.
  auto& first = *m_state->listeners.front();
  first.acceptor = std::make_unique<tcp::acceptor>(*first.context);
  const tcp::endpoint endpoint(address, m_state->options.port);
  first.acceptor->open(endpoint.protocol(), ec);
  if (!ec) {
    first.acceptor->set_option(tcp::acceptor::reuse_address(true));
    first.acceptor->bind(endpoint, ec);
  }
  if (!ec) {
    defer_accept_until_data(*first.acceptor);
    first.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  }
  // The other threads accept from the same socket, each through a descriptor of its own.
  for (std::size_t i = 1; i < m_state->listeners.size() && !ec; ++i) {
    const int descriptor = ::dup(first.acceptor->native_handle());
    if (descriptor < 0) {
      ec.assign(errno, boost::system::system_category());
      break;
    }
    auto& other = *m_state->listeners[i];
    other.acceptor =
      std::make_unique<tcp::acceptor>(*other.context, endpoint.protocol(), descriptor);
  }
  if (ec) {
    return util::fail("cannot listen on " + m_state->options.address + ":" +
                      std::to_string(m_state->options.port) + ": " + ec.message());
  }
  const std::uint16_t port = first.acceptor->local_endpoint().port();
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
  if (m_state->listeners.empty()) {
    return;
  }
  for (const auto& listener : m_state->listeners) {
    auto accepting = accept_loop(*listener,
                                 m_state->listeners,
                                 m_state->router,
                                 m_state->session_settings,
                                 m_state->accept_failure_logged);
    asio::co_spawn(*listener->context, std::move(accepting), log_escaped("listener"));
  }
  auto& first = *m_state->listeners.front();
  std::vector<std::jthread> others;
  for (std::size_t i = 1; i < m_state->listeners.size(); ++i) {
    others.emplace_back([context = m_state->listeners[i]->context.get()] { context->run(); });
  }
  first.context->run();
}

void
Server::stop(std::chrono::milliseconds grace)
{
  for (auto& listener : m_state->listeners) {
    asio::post(*listener->context, [&listener = *listener, grace] {
      if (listener.acceptor) {
        boost::system::error_code ignored;
        listener.acceptor->close(ignored);
      }
      listener.keep_running.reset();
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
