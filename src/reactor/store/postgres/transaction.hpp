#pragma once

// A transaction that appends events: they are inserted at commit, under an advisory lock
// so that events commit in sequence order.

#include "reactor/store/backend_support.hpp"
#include "reactor/store/postgres/connection.hpp"

#include <vector>

namespace reactor::store::postgres {

// BEGIN on creation; ROLLBACK on scope exit unless committed. Events are buffered and
// written, in order, just before COMMIT.
class Transaction
{
public:
  static util::Result<Transaction> begin(Connection& connection);

  Transaction(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() { rollback(); }

  void append_event(NewEvent event) { m_events.push_back(std::move(event)); }

  util::Result<void> commit();

private:
  explicit Transaction(Connection& connection);

  util::Result<void> write_events();
  void rollback() noexcept;

  Connection* m_connection;
  std::vector<NewEvent> m_events;
};

} // namespace reactor::store::postgres
