#pragma once

// What both metadata-store backends share: the values they bind, the rows and the
// executor through which the shared store (`sql_store`) runs their SQL, and migrations.

#include "reactor/core/deployment.hpp"
#include "reactor/store/metadata_store.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace reactor::store {

// A value bound to a statement's placeholder ($1, ?1): the stores bind only integers
// and text.
using SqlValue = std::variant<std::int64_t, std::string_view>;

// The values of a statement's placeholders, in order. Text points into `args`: pass the
// array on within the expression that made it.
template<typename... Args>
std::array<SqlValue, sizeof...(Args)>
sql_values(const Args&... args)
{
  return { SqlValue(args)... };
}

// One row of a query's result, read by column (0-based). NULL reads as "" or 0.
class Row
{
public:
  virtual ~Row() = default;
  virtual std::string text(int column) const = 0;
  virtual std::int64_t int64(int column) const = 0;
};

// An event an operation appends; the backend numbers it (seq) in commit order.
struct NewEvent
{
  std::string deployment_id;
  core::EventKind kind = core::EventKind::status;
  core::Status status = core::Status::pending; // kind == status
  core::Phase phase = core::Phase::none;       // kind == status
  std::string error;                           // kind == status
  std::string line;                            // kind == log or alias
  std::int64_t at_ms = 0;
};

// One operation's connection as the shared store drives it: the backend's SQL run with
// bound values, in at most one transaction. A transaction still open when the operation
// ends is rolled back. Every method fails with the database's error.
class Executor
{
public:
  virtual ~Executor() = default;

  // Runs a statement that returns no rows; how many rows it inserted, updated or deleted.
  virtual util::Result<int> execute(std::string_view sql, std::span<const SqlValue> values) = 0;

  // Runs a query and hands its rows to `each` in order (which runs no statement); stops
  // at the first row `each` fails on, with that failure.
  virtual util::Result<void> query(std::string_view sql,
                                   std::span<const SqlValue> values,
                                   const std::function<util::Result<void>(const Row&)>& each) = 0;

  // Starts the operation's transaction (SQLite: as the one writer at once).
  virtual util::Result<void> begin() = 0;

  // Writes the appended events and commits; the transaction is over either way.
  virtual util::Result<void> commit() = 0;

  // Appends an event to the open transaction, committed with it.
  virtual util::Result<void> append_event(const NewEvent& event) = 0;
};

// An executor's begin() and commit() over a backend's Transaction (`begin(connection)`
// → Result<Transaction>, `commit()`, rolled back when destroyed unless committed).
template<typename Connection, typename Transaction>
class TransactionExecutor : public Executor
{
public:
  explicit TransactionExecutor(Connection& connection)
    : m_connection(connection)
  {
  }

  util::Result<void> begin() final
  {
    auto transaction = Transaction::begin(m_connection);
    if (!transaction) {
      return std::unexpected(transaction.error());
    }
    m_transaction.emplace(std::move(*transaction));
    return {};
  }

  util::Result<void> commit() final
  {
    if (!m_transaction) {
      return util::fail("there is no transaction to commit");
    }
    auto committed = m_transaction->commit();
    m_transaction.reset();
    return committed;
  }

protected:
  Connection& connection() const { return m_connection; }
  // The open transaction: null before begin() and after commit().
  Transaction* transaction() { return m_transaction ? &*m_transaction : nullptr; }

private:
  Connection& m_connection;
  std::optional<Transaction> m_transaction; // rolled back unless committed
};

// Brings a database at schema `version` to the last of `migrations` (each the SQL that
// moves version i to i + 1), running each through `exec` (SQL text → Result<void>);
// refuses a database newer than this binary. The caller records the new version.
template<typename Exec>
util::Result<void>
apply_migrations(std::span<const char* const> migrations, std::size_t version, Exec exec)
{
  if (version > migrations.size()) {
    return util::fail("the database schema is at version " + std::to_string(version) +
                      ", newer than this binary knows (" + std::to_string(migrations.size()) +
                      "); upgrade Reactor");
  }
  for (; version < migrations.size(); ++version) {
    if (auto applied = exec(migrations[version]); !applied) {
      return util::fail("migration to schema version " + std::to_string(version + 1) +
                        " failed: " + applied.error().message);
    }
  }
  return {};
}

} // namespace reactor::store
