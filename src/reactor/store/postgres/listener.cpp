#include "reactor/store/postgres/listener.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <poll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace reactor::store::postgres {

namespace {

bool
listen(PGconn* connection)
{
  ResultPtr result(PQexec(connection, "LISTEN reactor_events"));
  return PQresultStatus(result.get()) == PGRES_COMMAND_OK;
}

} // namespace

std::unique_ptr<Listener>
Listener::start(const std::string& url,
                std::string schema,
                std::string instance,
                std::function<void()> wake)
{
  auto connection = connect(url);
  bool listening =
    connection && PQstatus(connection.get()) == CONNECTION_OK && listen(connection.get());
  return std::unique_ptr<Listener>(new Listener(
    std::move(connection), listening, std::move(schema), std::move(instance), std::move(wake)));
}

Listener::Listener(ConnectionPtr connection,
                   bool listening,
                   std::string schema,
                   std::string instance,
                   std::function<void()> wake)
  : m_schema(std::move(schema))
  , m_instance(std::move(instance))
  , m_wake(std::move(wake))
  , m_stop_fd(eventfd(0, EFD_CLOEXEC))
{
  if (m_stop_fd < 0) {
    throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  m_thread = std::thread([this, connection = std::move(connection), listening]() mutable {
    loop(std::move(connection), listening);
  });
}

Listener::~Listener()
{
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = write(m_stop_fd, &one, sizeof one);
  m_thread.join();
  close(m_stop_fd);
}

void
Listener::loop(ConnectionPtr connection, bool listening)
{
  auto delay = k_first_backoff;
  for (;;) {
    if (!listening) {
      if (connection) {
        PQreset(connection.get());
      }
      if (connection && PQstatus(connection.get()) == CONNECTION_OK && listen(connection.get())) {
        listening = true;
        delay = k_first_backoff;
        m_wake();
        continue;
      }
      if (stop_requested(delay)) {
        return;
      }
      delay = std::min(delay * 2, k_max_backoff);
      continue;
    }
    int socket = PQsocket(connection.get());
    if (socket < 0) {
      listening = false;
      continue;
    }
    std::array<pollfd, 2> fds{ pollfd{ .fd = socket, .events = POLLIN, .revents = 0 },
                               pollfd{ .fd = m_stop_fd, .events = POLLIN, .revents = 0 } };
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno != EINTR) {
        listening = false;
      }
      continue;
    }
    if (fds[1].revents != 0) {
      return;
    }
    if (PQconsumeInput(connection.get()) == 0) {
      listening = false;
      continue;
    }
    bool relevant = false;
    while (PGnotify* notification = PQnotifies(connection.get())) {
      relevant = relevant || from_another_instance(notification->extra);
      PQfreemem(notification);
    }
    if (relevant) {
      m_wake();
    }
    if (PQstatus(connection.get()) == CONNECTION_BAD) {
      listening = false;
    }
  }
}

bool
Listener::stop_requested(std::chrono::milliseconds timeout) const
{
  pollfd fd{ .fd = m_stop_fd, .events = POLLIN, .revents = 0 };
  return poll(&fd, 1, static_cast<int>(timeout.count())) > 0;
}

bool
Listener::from_another_instance(std::string_view payload) const
{
  auto space = payload.rfind(' ');
  if (space == std::string_view::npos) {
    return false;
  }
  return payload.substr(0, space) == m_schema && payload.substr(space + 1) != m_instance;
}

} // namespace reactor::store::postgres
