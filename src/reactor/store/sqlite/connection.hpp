#pragma once

// The SQLite handle for the store: prepared statements, cached per connection and reset
// after each use, and transactions that roll back unless committed.

#include "reactor/core/error.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace reactor::store::sqlite {

constexpr int k_busy_timeout_ms = 5000;

// An error naming SQLite's message and the start of the statement that failed.
inline core::Error
sqlite_error(sqlite3* db, std::string_view sql)
{
  constexpr std::size_t k_shown = 80;
  auto start = sql.find_first_not_of(" \n");
  sql = start == std::string_view::npos ? std::string_view{} : sql.substr(start);
  auto shown = sql.substr(0, std::min(sql.find('\n'), k_shown));
  return core::Error{ "SQLite: " + std::string(sqlite3_errmsg(db)) + " (in `" + std::string(shown) +
                      (shown.size() < sql.size() ? "…" : "") + "`)" };
}

struct StatementDeleter
{
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct DatabaseCloser
{
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DatabasePtr = std::unique_ptr<sqlite3, DatabaseCloser>;

// A cached prepared statement in use: parameters are bound once, and the statement is
// reset (and its bindings cleared) when this object goes out of scope.
class Statement
{
public:
  Statement(sqlite3* db, sqlite3_stmt* stmt)
    : m_db(db)
    , m_stmt(stmt)
  {
  }
  Statement(Statement&& other) noexcept
    : m_db(other.m_db)
    , m_stmt(std::exchange(other.m_stmt, nullptr))
    , m_bind_rc(other.m_bind_rc)
  {
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement()
  {
    if (m_stmt != nullptr) {
      sqlite3_reset(m_stmt);
      sqlite3_clear_bindings(m_stmt);
    }
  }

  template<typename... Args>
  Statement& bind(const Args&... args)
  {
    int index = 0;
    (bind_one(++index, args), ...);
    return *this;
  }

  // True when a row is ready to read, false when the statement is done.
  core::Result<bool> step()
  {
    if (m_bind_rc != SQLITE_OK) {
      return std::unexpected(sqlite_error(m_db, sqlite3_sql(m_stmt)));
    }
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    return std::unexpected(sqlite_error(m_db, sqlite3_sql(m_stmt)));
  }

  // Runs a statement that returns no rows; the number of rows it changed.
  core::Result<int> run()
  {
    auto row = step();
    if (!row) {
      return std::unexpected(row.error());
    }
    return sqlite3_changes(m_db);
  }

  std::int64_t int64(int column) const { return sqlite3_column_int64(m_stmt, column); }

  std::string text(int column) const
  {
    const auto* data = sqlite3_column_text(m_stmt, column);
    if (data == nullptr) {
      return {};
    }
    return { reinterpret_cast<const char*>(data),
             static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)) };
  }

private:
  void bind_one(int index, std::int64_t value) { record(sqlite3_bind_int64(m_stmt, index, value)); }
  void bind_one(int index, int value) { record(sqlite3_bind_int(m_stmt, index, value)); }
  void bind_one(int index, std::string_view value)
  {
    record(sqlite3_bind_text64(
      m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void bind_one(int index, const std::string& value) { bind_one(index, std::string_view(value)); }
  void bind_one(int index, const char* value) { bind_one(index, std::string_view(value)); }

  void record(int rc)
  {
    if (m_bind_rc == SQLITE_OK) {
      m_bind_rc = rc;
    }
  }

  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
  int m_bind_rc = SQLITE_OK;
};

// One SQLite connection and its prepared statements (prepared once, reused).
class Connection
{
public:
  static core::Result<Connection> open(const std::filesystem::path& path)
  {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(),
                             &raw,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    DatabasePtr db(raw);
    if (rc != SQLITE_OK) {
      return core::fail("SQLite cannot open " + path.string() + ": " +
                        (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), k_busy_timeout_ms);
    return Connection(std::move(db));
  }

  // `sql` must be a string literal: it keys the statement cache.
  core::Result<Statement> prepare(std::string_view sql)
  {
    auto found = m_statements.find(sql);
    if (found == m_statements.end()) {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v3(m_db.get(),
                                  sql.data(),
                                  static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT,
                                  &raw,
                                  nullptr);
      StatementPtr stmt(raw);
      if (rc != SQLITE_OK) {
        return std::unexpected(sqlite_error(m_db.get(), sql));
      }
      found = m_statements.emplace(sql, std::move(stmt)).first;
    }
    return Statement(m_db.get(), found->second.get());
  }

  // Runs a statement without values or rows (BEGIN, COMMIT) from the statement cache:
  // parsed once, not on every transaction.
  core::Result<void> run(std::string_view sql)
  {
    auto statement = prepare(sql);
    if (!statement) {
      return std::unexpected(statement.error());
    }
    if (auto stepped = statement->step(); !stepped) {
      return std::unexpected(stepped.error());
    }
    return {};
  }

  // Runs constant SQL (no values), possibly several statements.
  core::Result<void> exec(const char* sql)
  {
    if (sqlite3_exec(m_db.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return std::unexpected(sqlite_error(m_db.get(), sql));
    }
    return {};
  }

  bool in_transaction() const { return sqlite3_get_autocommit(m_db.get()) == 0; }

private:
  explicit Connection(DatabasePtr db)
    : m_db(std::move(db))
  {
  }

  DatabasePtr m_db;
  std::unordered_map<std::string_view, StatementPtr> m_statements; // finalized before m_db
};

// BEGIN IMMEDIATE on creation; ROLLBACK on scope exit unless committed.
class Transaction
{
public:
  static core::Result<Transaction> begin(Connection& connection)
  {
    if (auto begun = connection.run("BEGIN IMMEDIATE"); !begun) {
      return std::unexpected(begun.error());
    }
    return Transaction(connection);
  }

  Transaction(Transaction&& other) noexcept
    : m_connection(std::exchange(other.m_connection, nullptr))
  {
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() { rollback(); }

  core::Result<void> commit()
  {
    auto committed = m_connection->run("COMMIT");
    rollback();
    return committed;
  }

private:
  explicit Transaction(Connection& connection)
    : m_connection(&connection)
  {
  }

  void rollback() noexcept
  {
    if (m_connection != nullptr && m_connection->in_transaction()) {
      (void)m_connection->exec("ROLLBACK");
    }
    m_connection = nullptr;
  }

  Connection* m_connection;
};

} // namespace reactor::store::sqlite
