#include "reactor/store/sqlite/connection.hpp"

#include <algorithm>
#include <utility>
#include <variant>

namespace reactor::store::sqlite {

namespace {

constexpr int k_busy_timeout_ms = 5000;

// An error naming SQLite's message and the start of the statement that failed.
util::Error
sqlite_error(sqlite3* db, std::string_view sql)
{
  constexpr std::size_t k_shown = 80;
  auto start = sql.find_first_not_of(" \n");
  sql = start == std::string_view::npos ? std::string_view{} : sql.substr(start);
  auto shown = sql.substr(0, std::min(sql.find('\n'), k_shown));
  return util::Error{ "SQLite: " + std::string(sqlite3_errmsg(db)) + " (in `" + std::string(shown) +
                      (shown.size() < sql.size() ? "…" : "") + "`)" };
}

} // namespace

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt)
  : m_db(db)
  , m_stmt(stmt)
{
}

Statement::Statement(Statement&& other) noexcept
  : m_db(other.m_db)
  , m_stmt(std::exchange(other.m_stmt, nullptr))
  , m_bind_rc(other.m_bind_rc)
{
}

Statement::~Statement()
{
  if (m_stmt != nullptr) {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }
}

Statement&
Statement::bind(std::span<const SqlValue> values)
{
  int index = 0;
  for (const auto& value : values) {
    ++index;
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
      record(sqlite3_bind_int64(m_stmt, index, *number));
    } else {
      const auto& text = std::get<std::string_view>(value);
      record(sqlite3_bind_text64(
        m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    }
  }
  return *this;
}

util::Result<bool>
Statement::step()
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

util::Result<int>
Statement::run()
{
  auto row = step();
  if (!row) {
    return std::unexpected(row.error());
  }
  return sqlite3_changes(m_db);
}

std::int64_t
Statement::int64(int column) const
{
  return sqlite3_column_int64(m_stmt, column);
}

std::string
Statement::text(int column) const
{
  const auto* data = sqlite3_column_text(m_stmt, column);
  if (data == nullptr) {
    return {};
  }
  return { reinterpret_cast<const char*>(data),
           static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)) };
}

void
Statement::record(int rc)
{
  if (m_bind_rc == SQLITE_OK) {
    m_bind_rc = rc;
  }
}

util::Result<Connection>
Connection::open(const std::filesystem::path& path)
{
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
    path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DatabasePtr db(raw);
  if (rc != SQLITE_OK) {
    return util::fail("SQLite cannot open " + path.string() + ": " +
                      (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), k_busy_timeout_ms);
  return Connection(std::move(db));
}

Connection::Connection(DatabasePtr db)
  : m_db(std::move(db))
{
}

util::Result<Statement>
Connection::prepare(std::string_view sql)
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

util::Result<void>
Connection::run(std::string_view sql)
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

util::Result<void>
Connection::exec(const char* sql)
{
  if (sqlite3_exec(m_db.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return std::unexpected(sqlite_error(m_db.get(), sql));
  }
  return {};
}

util::Result<Transaction>
Transaction::begin(Connection& connection)
{
  if (auto begun = connection.run("BEGIN IMMEDIATE"); !begun) {
    return std::unexpected(begun.error());
  }
  return Transaction(connection);
}

Transaction::Transaction(Connection& connection)
  : m_connection(&connection)
{
}

Transaction::Transaction(Transaction&& other) noexcept
  : m_connection(std::exchange(other.m_connection, nullptr))
{
}

util::Result<void>
Transaction::commit()
{
  auto committed = m_connection->run("COMMIT");
  rollback();
  return committed;
}

void
Transaction::rollback() noexcept
{
  if (m_connection != nullptr && m_connection->in_transaction()) {
    (void)m_connection->exec("ROLLBACK");
  }
  m_connection = nullptr;
}

} // namespace reactor::store::sqlite
