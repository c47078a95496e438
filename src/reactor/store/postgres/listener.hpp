#pragma once

#include "reactor/store/postgres/connection.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace reactor::store::postgres {

// A thread with its own connection that LISTENs for the commits of other store instances
// (in this process or another) on the same schema, and runs `wake` after each batch of
// them and once after every reconnection (events may have been missed meanwhile).
class Listener
{
public:
  static std::unique_ptr<Listener> start(const std::string& url,
                                         std::string schema,
                                         std::string instance,
                                         std::function<void()> wake);

  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  Listener(Listener&&) = delete;
  Listener& operator=(Listener&&) = delete;
  ~Listener();

private:
  Listener(ConnectionPtr connection,
           bool listening,
           std::string schema,
           std::string instance,
           std::function<void()> wake);

  void loop(ConnectionPtr connection, bool listening);

  // True when the stop was requested within `timeout`.
  bool stop_requested(std::chrono::milliseconds timeout) const;

  // Payloads are "<schema> <instance>": the same schema, and not this store's own commit
  // (those already ran the callbacks in the committing thread).
  bool from_another_instance(std::string_view payload) const;

  std::string m_schema;
  std::string m_instance;
  std::function<void()> m_wake;
  int m_stop_fd;
  std::thread m_thread;
};

} // namespace reactor::store::postgres
