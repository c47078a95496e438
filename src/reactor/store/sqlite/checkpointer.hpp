#pragma once

#include "reactor/store/sqlite/connection.hpp"

#include <chrono>
#include <stop_token>
#include <thread>

namespace reactor::store::sqlite {

// Copies the write-ahead log into the database file every second, on a connection of its
// own: SQLite's automatic checkpoint (turned off) runs inside whichever commit crosses its
// threshold, which put milliseconds on the path of a status change now and then.
class Checkpointer
{
public:
  explicit Checkpointer(Connection connection);

private:
  void run(const std::stop_token& stop);

  static constexpr auto k_checkpoint_period = std::chrono::seconds(1);
  Connection m_connection;
  std::jthread m_thread; // last: stopped and joined before the connection closes
};

} // namespace reactor::store::sqlite
