#include "reactor/store/postgres/connection.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <thread>
#include <utility>
#include <variant>

namespace reactor::store::postgres {

namespace {

constexpr std::size_t k_max_connections = 8;
constexpr int k_reset_attempts = 6;
constexpr std::size_t k_inline_values = 8;

void
ignore_notice(void* /*unused*/, const char* /*message*/)
{
}

std::int64_t
parse_int(std::string_view text)
{
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string
to_param(const SqlValue& value)
{
  if (const auto* number = std::get_if<std::int64_t>(&value)) {
    return std::to_string(*number);
  }
  return std::string(std::get<std::string_view>(value));
}

// The first line of a libpq message.
std::string
first_line(const char* message)
{
  std::string_view text = message == nullptr ? "" : message;
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// An error naming the server's message and the start of the statement that failed.
util::Error
postgres_error(PGconn* connection, const PGresult* result, std::string_view sql)
{
  constexpr std::size_t k_shown = 80;
  const char* primary =
    result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  auto message = first_line(primary != nullptr ? primary : PQerrorMessage(connection));
  auto start = sql.find_first_not_of(" \n");
  sql = start == std::string_view::npos ? std::string_view{} : sql.substr(start);
  auto shown = sql.substr(0, std::min(sql.find('\n'), k_shown));
  return util::Error{ "PostgreSQL: " + message + " (in `" + std::string(shown) +
                      (shown.size() < sql.size() ? "…" : "") + "`)" };
}

// Why connecting failed.
std::string
connection_failure(PGconn* connection)
{
  return connection == nullptr ? "out of memory" : first_line(PQerrorMessage(connection));
}

} // namespace

ConnectionPtr
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

// "" for NULL.
std::string
ResultRow::text(int column) const
{
  return { PQgetvalue(m_result, m_row, column),
           static_cast<std::size_t>(PQgetlength(m_result, m_row, column)) };
}

std::int64_t
ResultRow::int64(int column) const
{
  return parse_int(PQgetvalue(m_result, m_row, column));
}

Rows::Rows(ResultPtr result)
  : m_result(std::move(result))
{
}

int
Rows::changed() const
{
  return static_cast<int>(parse_int(PQcmdTuples(m_result.get())));
}

util::Result<std::unique_ptr<Connection>>
Connection::open(const std::string& url)
{
  auto connection = connect(url);
  if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
    return util::fail("PostgreSQL: cannot connect: " + connection_failure(connection.get()));
  }
  return std::unique_ptr<Connection>(new Connection(std::move(connection)));
}

Connection::Connection(ConnectionPtr connection)
  : m_connection(std::move(connection))
{
}

util::Result<Rows>
Connection::query(std::string_view sql, std::span<const SqlValue> values)
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
  // On the stack for as many values as a statement binds; no allocation per query.
  boost::container::small_vector<std::string, k_inline_values> texts;
  boost::container::small_vector<const char*, k_inline_values> pointers;
  texts.reserve(values.size());
  for (const auto& value : values) {
    pointers.push_back(texts.emplace_back(to_param(value)).c_str());
  }
  ResultPtr result(PQexecPrepared(m_connection.get(),
                                  found->second.c_str(),
                                  static_cast<int>(pointers.size()),
                                  pointers.data(),
                                  nullptr,
                                  nullptr,
                                  0));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(postgres_error(m_connection.get(), result.get(), sql));
  }
  return Rows(std::move(result));
}

util::Result<void>
Connection::exec(const char* sql)
{
  ResultPtr result(PQexec(m_connection.get(), sql));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(postgres_error(m_connection.get(), result.get(), sql));
  }
  return {};
}

util::Result<void>
Connection::reset()
{
  m_prepared.clear();
  auto delay = k_first_backoff;
  for (int attempt = 1;; ++attempt) {
    PQreset(m_connection.get());
    if (PQstatus(m_connection.get()) == CONNECTION_OK) {
      return {};
    }
    if (attempt == k_reset_attempts) {
      return util::fail("PostgreSQL: cannot reconnect after " + std::to_string(attempt) +
                        " attempts: " + connection_failure(m_connection.get()));
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, k_max_backoff);
  }
}

Pool::Borrowed::Borrowed(Pool& pool, std::unique_ptr<Connection> connection)
  : m_pool(&pool)
  , m_connection(std::move(connection))
{
}

Pool::Borrowed::~Borrowed()
{
  if (m_connection) {
    m_pool->give_back(std::move(m_connection));
  }
}

Pool::Pool(std::string url, std::string notify_payload, std::unique_ptr<Connection> first)
  : m_url(std::move(url))
  , m_notify_payload(std::move(notify_payload))
  , m_open(1)
{
  first->set_notify_payload(m_notify_payload);
  m_idle.push_back(std::move(first));
}

util::Result<Pool::Borrowed>
Pool::acquire()
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

void
Pool::give_back(std::unique_ptr<Connection> connection)
{
  std::scoped_lock lock(m_mutex);
  m_idle.push_back(std::move(connection));
  m_available.notify_one();
}

} // namespace reactor::store::postgres
