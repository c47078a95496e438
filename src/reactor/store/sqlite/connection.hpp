#pragma once

// The SQLite handle for the store: prepared statements, cached per connection and reset
// after each use, and transactions that roll back unless committed.

#include "reactor/store/backend_support.hpp"
#include "reactor/util/error.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace reactor::store::sqlite {

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

// A cached prepared statement in use: values are bound once, and the statement is reset
// (and its bindings cleared) when this object goes out of scope. While a row is ready,
// it reads as that row.
class Statement final : public Row
{
public:
  Statement(sqlite3* db, sqlite3_stmt* stmt);
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement() override;

  // Binds `values` to ?1, ?2, …; a failure shows in step().
  Statement& bind(std::span<const SqlValue> values);

  // True when a row is ready to read, false when the statement is done.
  util::Result<bool> step();

  // Runs a statement that returns no rows; the number of rows it changed.
  util::Result<int> run();

  std::int64_t int64(int column) const override;
  std::string text(int column) const override;

private:
  void record(int rc);

  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
  int m_bind_rc = SQLITE_OK;
};

// One SQLite connection and its prepared statements (prepared once, reused).
class Connection
{
public:
  static util::Result<Connection> open(const std::filesystem::path& path);

  // `sql` must be a string literal: it keys the statement cache.
  util::Result<Statement> prepare(std::string_view sql);

  // Runs a statement without values or rows (BEGIN, COMMIT) from the statement cache:
  // parsed once, not on every transaction.
  util::Result<void> run(std::string_view sql);

  // Runs constant SQL (no values), possibly several statements.
  util::Result<void> exec(const char* sql);

  bool in_transaction() const { return sqlite3_get_autocommit(m_db.get()) == 0; }

private:
  explicit Connection(DatabasePtr db);

  DatabasePtr m_db;
  std::unordered_map<std::string_view, StatementPtr> m_statements; // finalized before m_db
};

// BEGIN IMMEDIATE on creation; ROLLBACK on scope exit unless committed.
class Transaction
{
public:
  static util::Result<Transaction> begin(Connection& connection);

  Transaction(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() { rollback(); }

  util::Result<void> commit();

private:
  explicit Transaction(Connection& connection);

  void rollback() noexcept;

  Connection* m_connection;
};

} // namespace reactor::store::sqlite
