#include "reactor/store/postgres/transaction.hpp"

#include "reactor/core/deployment.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace reactor::store::postgres {

namespace {

// Key of the transaction-level advisory lock, the same in every Reactor process.
constexpr std::int64_t k_event_order_lock = 0x5245414354000002;

constexpr std::string_view k_begin_event_append =
  "SELECT pg_advisory_xact_lock($1::bigint), pg_notify('reactor_events', $2::text)";
constexpr std::string_view k_insert_events =
  "INSERT INTO events (deployment_id, kind, status, phase, error, line, at_ms) "
  "SELECT e.deployment_id, e.kind, e.status, e.phase, e.error, e.line, e.at_ms "
  "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
  "$7::bigint[]) WITH ORDINALITY AS e (deployment_id, kind, status, phase, error, line, at_ms, "
  "position) ORDER BY e.position";

// How the events table names a kind.
std::string_view
kind_name(core::EventKind kind)
{
  switch (kind) {
    case core::EventKind::log:
      return "log";
    case core::EventKind::deleted:
      return "deleted";
    case core::EventKind::alias:
      return "alias";
    case core::EventKind::project:
      return "project";
    case core::EventKind::status:
      break;
  }
  return "status";
}

// A PostgreSQL array literal (a bound value, never SQL) of one field of every event;
// nullopt is NULL.
template<typename Field>
std::string
array_literal(const std::vector<NewEvent>& events, Field field)
{
  std::string literal = "{";
  for (const auto& event : events) {
    if (literal.size() > 1) {
      literal += ',';
    }
    std::optional<std::string_view> value = field(event);
    if (!value) {
      literal += "NULL";
      continue;
    }
    literal += '"';
    for (char c : *value) {
      if (c == '"' || c == '\\') {
        literal += '\\';
      }
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

// The array literal of every event's time.
std::string
at_ms_literal(const std::vector<NewEvent>& events)
{
  std::string literal = "{";
  for (const auto& event : events) {
    if (literal.size() > 1) {
      literal += ',';
    }
    literal += std::to_string(event.at_ms);
  }
  return literal + "}";
}

} // namespace

util::Result<Transaction>
Transaction::begin(Connection& connection)
{
  if (auto begun = connection.exec("BEGIN"); !begun) {
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
  , m_events(std::move(other.m_events))
{
}

util::Result<void>
Transaction::commit()
{
  if (auto written = write_events(); !written) {
    return written;
  }
  m_connection->sending_commit(!m_events.empty());
  auto committed = m_connection->exec("COMMIT");
  if (committed) {
    m_connection->committed();
  }
  rollback();
  return committed;
}

// The lock makes event-appending transactions run this part and commit one at a time,
// so seqs become visible in increasing order: a bigserial alone could commit seq 6
// before seq 5, and a reader resuming after 6 would never see 5. It is taken after
// every row lock of the transaction, so its holder never waits for another one.
util::Result<void>
Transaction::write_events()
{
  if (m_events.empty()) {
    return {};
  }
  if (auto locked = m_connection->query(
        k_begin_event_append, sql_values(k_event_order_lock, m_connection->notify_payload()));
      !locked) {
    return std::unexpected(locked.error());
  }
  using Text = std::optional<std::string_view>;
  auto is_status = [](const NewEvent& event) { return event.kind == core::EventKind::status; };
  auto inserted = m_connection->query(
    k_insert_events,
    sql_values(
      array_literal(m_events, [](const NewEvent& event) -> Text { return event.deployment_id; }),
      array_literal(m_events, [](const NewEvent& event) -> Text { return kind_name(event.kind); }),
      array_literal(m_events,
                    [&](const NewEvent& event) -> Text {
                      return is_status(event) ? Text(core::to_string(event.status)) : std::nullopt;
                    }),
      array_literal(m_events,
                    [&](const NewEvent& event) -> Text {
                      return is_status(event) ? Text(core::to_string(event.phase)) : std::nullopt;
                    }),
      array_literal(m_events,
                    [&](const NewEvent& event) -> Text {
                      return is_status(event) ? Text(event.error) : std::nullopt;
                    }),
      array_literal(m_events,
                    [&](const NewEvent& event) -> Text {
                      const bool has_line = event.kind != core::EventKind::status &&
                                            event.kind != core::EventKind::deleted;
                      return has_line ? Text(event.line) : std::nullopt;
                    }),
      at_ms_literal(m_events)));
  if (!inserted) {
    return std::unexpected(inserted.error());
  }
  return {};
}

void
Transaction::rollback() noexcept
{
  if (m_connection != nullptr && !m_connection->broken() && m_connection->in_transaction()) {
    (void)m_connection->exec("ROLLBACK");
  }
  m_connection = nullptr;
}

} // namespace reactor::store::postgres
