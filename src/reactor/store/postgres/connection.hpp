#pragma once

// A libpq connection for the store: parameterised queries on prepared statements,
// reconnection with backoff, and the pool the store's threads borrow them from.

#include "reactor/store/backend_support.hpp"
#include "reactor/util/error.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <libpq-fe.h>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reactor::store::postgres {

constexpr std::chrono::milliseconds k_first_backoff{ 100 };
constexpr std::chrono::milliseconds k_max_backoff{ 5000 };

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

// Connects with defaults that the URL may override (later libpq keywords win); null
// only when out of memory, else check PQstatus.
ConnectionPtr connect(const std::string& url);

// One row of a result.
class ResultRow final : public Row
{
public:
  ResultRow(const PGresult* result, int row)
    : m_result(result)
    , m_row(row)
  {
  }

  std::string text(int column) const override;
  std::int64_t int64(int column) const override;

private:
  const PGresult* m_result;
  int m_row;
};

// The rows (or the change count) of one successful statement.
class Rows
{
public:
  explicit Rows(ResultPtr result);

  int size() const { return PQntuples(m_result.get()); }
  ResultRow row(int index) const { return { m_result.get(), index }; }

  // Rows inserted, updated or deleted.
  int changed() const;

private:
  ResultPtr m_result;
};

// One session with the server, its prepared statements (prepared once, reused), and
// what the current operation did with it.
class Connection
{
public:
  static util::Result<std::unique_ptr<Connection>> open(const std::string& url);

  // Binds `values` to $1, $2, … and runs `sql` as a prepared statement. `sql` must be a
  // constant: it keys the statement cache.
  util::Result<Rows> query(std::string_view sql, std::span<const SqlValue> values = {});

  // Runs constant SQL (no values), possibly several statements.
  util::Result<void> exec(const char* sql);

  bool broken() const { return PQstatus(m_connection.get()) == CONNECTION_BAD; }
  bool in_transaction() const { return PQtransactionStatus(m_connection.get()) != PQTRANS_IDLE; }

  // Reconnects (PQreset) with backoff; fails when every attempt did.
  util::Result<void> reset();

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
  explicit Connection(ConnectionPtr connection);

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
    Borrowed(Pool& pool, std::unique_ptr<Connection> connection);
    Borrowed(Borrowed&& other) noexcept = default;
    Borrowed(const Borrowed&) = delete;
    Borrowed& operator=(const Borrowed&) = delete;
    Borrowed& operator=(Borrowed&&) = delete;
    ~Borrowed();

    Connection& operator*() const { return *m_connection; }

  private:
    Pool* m_pool;
    std::unique_ptr<Connection> m_connection;
  };

  Pool(std::string url, std::string notify_payload, std::unique_ptr<Connection> first);

  // An idle connection (reset first if it broke), a new one, or the first returned.
  util::Result<Borrowed> acquire();

private:
  void give_back(std::unique_ptr<Connection> connection);

  std::string m_url;
  std::string m_notify_payload;
  std::mutex m_mutex;
  std::condition_variable m_available;
  std::vector<std::unique_ptr<Connection>> m_idle;
  std::size_t m_open;
};

} // namespace reactor::store::postgres
