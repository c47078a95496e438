#pragma once

// A libpq connection for the store: parameterised queries on prepared statements,
// reconnection with backoff, and the pool the store's threads borrow them from.

#include "reactor/core/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <libpq-fe.h>
#include <memory>
#include <mutex>
#include <optional>
#include <poll.h>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace reactor::store::postgres {

constexpr std::size_t k_max_connections = 8;
constexpr int k_reset_attempts = 6;
constexpr std::chrono::milliseconds k_first_backoff{ 100 };
constexpr std::chrono::milliseconds k_max_backoff{ 5000 };

// The URL without its password, for messages.
inline std::string
redacted(const std::string& url)
{
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return url;
  }
  auto authority = scheme_end + 3;
  auto at = url.find('@', authority);
  auto colon = url.find(':', authority);
  if (at == std::string::npos || colon == std::string::npos || colon > at ||
      url.find('/', authority) < at) {
    return url;
  }
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// The first line of a libpq message.
inline std::string
first_line(const char* message)
{
  std::string_view text = message == nullptr ? "" : message;
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

inline core::Error
postgres_error(PGconn* connection, const PGresult* result, std::string_view sql)
{
  constexpr std::size_t k_shown = 80;
  const char* primary =
    result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  auto message = first_line(primary != nullptr ? primary : PQerrorMessage(connection));
  auto start = sql.find_first_not_of(" \n");
  sql = start == std::string_view::npos ? std::string_view{} : sql.substr(start);
  auto shown = sql.substr(0, std::min(sql.find('\n'), k_shown));
  return core::Error{ "PostgreSQL: " + message + " (in `" + std::string(shown) +
                      (shown.size() < sql.size() ? "…" : "") + "`)" };
}

struct ConnectionCloser
{
  void operator()(PGconn* connection) const noexcept { PQfinish(connection); }
};
using ConnectionPtr = std::unique_ptr<PGconn, ConnectionCloser>;

struct ResultClearer
{
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

inline void
ignore_notice(void* /*unused*/, const char* /*message*/)
{
}

// Connects with defaults that the URL may override (later libpq keywords win).
inline ConnectionPtr
connect(const std::string& url)
{
  std::array<const char*, 8> keywords{
    "connect_timeout",     "fallback_application_name", "client_encoding", "keepalives_idle",
    "keepalives_interval", "keepalives_count",          "dbname",          nullptr
  };
  std::array<const char*, 8> values{
    "10", "reactor", "UTF8", "15", "5", "3", url.c_str(), nullptr
  };
  ConnectionPtr connection(PQconnectdbParams(keywords.data(), values.data(), 1));
  if (connection) {
    PQsetNoticeProcessor(connection.get(), &ignore_notice, nullptr);
  }
  return connection;
}

inline std::string
connection_failure(PGconn* connection)
{
  return connection == nullptr ? "out of memory" : first_line(PQerrorMessage(connection));
}

// The rows (or the change count) of one successful statement.
class Rows
{
public:
  explicit Rows(ResultPtr result)
    : m_result(std::move(result))
  {
  }

  int size() const { return PQntuples(m_result.get()); }

  // "" for NULL.
  std::string text(int row, int column) const
  {
    return { PQgetvalue(m_result.get(), row, column),
             static_cast<std::size_t>(PQgetlength(m_result.get(), row, column)) };
  }

  std::int64_t int64(int row, int column) const
  {
    return parse_int(PQgetvalue(m_result.get(), row, column));
  }

  // Rows inserted, updated or deleted.
  int changed() const { return static_cast<int>(parse_int(PQcmdTuples(m_result.get()))); }

private:
  static std::int64_t parse_int(std::string_view text)
  {
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }

  ResultPtr m_result;
};

inline std::string
to_param(std::int64_t value)
{
  return std::to_string(value);
}
inline std::string
to_param(int value)
{
  return std::to_string(value);
}
inline std::string
to_param(std::string_view value)
{
  return std::string(value);
}

// One session with the server, its prepared statements (prepared once, reused), and
// what the current operation did with it.
class Connection
{
public:
  static core::Result<std::unique_ptr<Connection>> open(const std::string& url)
  {
    auto connection = connect(url);
    if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
      return core::fail("PostgreSQL: cannot connect: " + connection_failure(connection.get()));
    }
    return std::unique_ptr<Connection>(new Connection(std::move(connection)));
  }

  // Binds the values and runs `sql` as a prepared statement. `sql` must be a constant:
  // it keys the statement cache.
  template<typename... Args>
  core::Result<Rows> query(std::string_view sql, const Args&... args)
  {
    std::array<std::string, sizeof...(Args)> texts{ to_param(args)... };
    std::array<const char*, sizeof...(Args)> values{};
    std::transform(
      texts.begin(), texts.end(), values.begin(), [](const auto& text) { return text.c_str(); });
    return run_prepared(sql, static_cast<int>(values.size()), values.data());
  }

  // Runs constant SQL (no values), possibly several statements.
  core::Result<void> exec(const char* sql)
  {
    ResultPtr result(PQexec(m_connection.get(), sql));
    auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return std::unexpected(postgres_error(m_connection.get(), result.get(), sql));
    }
    return {};
  }

  bool broken() const { return PQstatus(m_connection.get()) == CONNECTION_BAD; }
  bool in_transaction() const { return PQtransactionStatus(m_connection.get()) != PQTRANS_IDLE; }

  // Reconnects (PQreset) with backoff; fails when every attempt did.
  core::Result<void> reset()
  {
    m_prepared.clear();
    auto delay = k_first_backoff;
    for (int attempt = 1;; ++attempt) {
      PQreset(m_connection.get());
      if (PQstatus(m_connection.get()) == CONNECTION_OK) {
        return {};
      }
      if (attempt == k_reset_attempts) {
        return core::fail("PostgreSQL: cannot reconnect after " + std::to_string(attempt) +
                          " attempts: " + connection_failure(m_connection.get()));
      }
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, k_max_backoff);
    }
  }

  // The payload of this store's notifications: "<schema> <instance>".
  const std::string& notify_payload() const { return m_notify_payload; }
  void set_notify_payload(std::string payload) { m_notify_payload = std::move(payload); }

  // What the current operation did: cleared when it starts (and on its retry).
  void begin_operation() { m_sent_commit = m_sent_events = m_committed_events = false; }
  void sending_commit(bool with_events)
  {
    m_sent_commit = true;
    m_sent_events = with_events;
  }
  void committed() { m_committed_events = m_sent_events; }
  bool sent_commit() const { return m_sent_commit; }
  bool sent_events() const { return m_sent_events; }
  bool committed_events() const { return m_committed_events; }

private:
  explicit Connection(ConnectionPtr connection)
    : m_connection(std::move(connection))
  {
  }

  core::Result<Rows> run_prepared(std::string_view sql, int count, const char* const* values)
  {
    auto found = m_prepared.find(sql);
    if (found == m_prepared.end()) {
      auto name = "reactor_" + std::to_string(m_prepared.size());
      std::string text(sql);
      ResultPtr prepared(PQprepare(m_connection.get(), name.c_str(), text.c_str(), 0, nullptr));
      if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
        return std::unexpected(postgres_error(m_connection.get(), prepared.get(), sql));
      }
      found = m_prepared.emplace(sql, std::move(name)).first;
    }
    ResultPtr result(PQexecPrepared(
      m_connection.get(), found->second.c_str(), count, values, nullptr, nullptr, 0));
    auto status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return std::unexpected(postgres_error(m_connection.get(), result.get(), sql));
    }
    return Rows(std::move(result));
  }

  ConnectionPtr m_connection;
  std::unordered_map<std::string_view, std::string> m_prepared;
  std::string m_notify_payload;
  bool m_sent_commit = false;
  bool m_sent_events = false;
  bool m_committed_events = false;
};

// Connections shared by the threads of one store: each operation borrows one.
class Pool
{
public:
  // Returns its connection to the pool when destroyed.
  class Borrowed
  {
  public:
    Borrowed(Pool& pool, std::unique_ptr<Connection> connection)
      : m_pool(&pool)
      , m_connection(std::move(connection))
    {
    }
    Borrowed(Borrowed&& other) noexcept = default;
    Borrowed(const Borrowed&) = delete;
    Borrowed& operator=(const Borrowed&) = delete;
    Borrowed& operator=(Borrowed&&) = delete;
    ~Borrowed()
    {
      if (m_connection) {
        m_pool->give_back(std::move(m_connection));
      }
    }

    Connection& operator*() const { return *m_connection; }

  private:
    Pool* m_pool;
    std::unique_ptr<Connection> m_connection;
  };

  Pool(std::string url, std::string notify_payload, std::unique_ptr<Connection> first)
    : m_url(std::move(url))
    , m_notify_payload(std::move(notify_payload))
    , m_open(1)
  {
    first->set_notify_payload(m_notify_payload);
    m_idle.push_back(std::move(first));
  }

  // An idle connection (reset first if it broke), a new one, or the first returned.
  core::Result<Borrowed> acquire()
  {
    std::unique_lock lock(m_mutex);
    m_available.wait(lock, [this] { return !m_idle.empty() || m_open < k_max_connections; });
    if (!m_idle.empty()) {
      auto connection = std::move(m_idle.back());
      m_idle.pop_back();
      lock.unlock();
      Borrowed borrowed(*this, std::move(connection));
      if ((*borrowed).broken()) {
        if (auto reset = (*borrowed).reset(); !reset) {
          return std::unexpected(reset.error());
        }
      }
      return borrowed;
    }
    ++m_open;
    lock.unlock();
    auto connection = Connection::open(m_url);
    if (!connection) {
      std::scoped_lock relock(m_mutex);
      --m_open;
      m_available.notify_one();
      return std::unexpected(connection.error());
    }
    (*connection)->set_notify_payload(m_notify_payload);
    return Borrowed(*this, std::move(*connection));
  }

private:
  void give_back(std::unique_ptr<Connection> connection)
  {
    std::scoped_lock lock(m_mutex);
    m_idle.push_back(std::move(connection));
    m_available.notify_one();
  }

  std::string m_url;
  std::string m_notify_payload;
  std::mutex m_mutex;
  std::condition_variable m_available;
  std::vector<std::unique_ptr<Connection>> m_idle;
  std::size_t m_open;
};

} // namespace reactor::store::postgres
