#pragma once

// Internal to net/: the open connections of one io_context, so that a graceful stop
// reaches each of them. Used only on that context's thread, but for open().

#include <atomic>
#include <cstddef>
#include <functional>
#include <list>

namespace reactor::net {

class Connections
{
public:
  // Keeps a connection registered while it lives.
  class Registration
  {
  public:
    Registration(Connections& owner, std::list<std::function<void()>>::iterator entry);
    Registration(Registration&& other) noexcept;
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    Registration& operator=(Registration&&) = delete;
    ~Registration();

  private:
    Connections* m_owner;
    std::list<std::function<void()>>::iterator m_entry;
  };

  // Registers a connection; `on_stop` runs once when the server stops, to make it finish
  // (close it if idle, end its stream).
  [[nodiscard]] Registration add(std::function<void()> on_stop);

  // How many are registered; read from any thread (the listener's balance), so it may be
  // a moment old.
  std::size_t open() const { return m_open.load(std::memory_order_relaxed); }

  // True once stop() ran: connections finish what they are doing and close.
  bool stopping() const { return m_stopping; }

  // Asks every connection to finish; `on_empty` runs once the last one is gone (at once
  // when there is none).
  void stop(std::function<void()> on_empty);

  // Drops `on_empty` (the context is going away and must not be called back).
  void forget() { m_on_empty = nullptr; }

private:
  void remove(std::list<std::function<void()>>::iterator entry);

  std::list<std::function<void()>> m_on_stop;
  std::atomic<std::size_t> m_open = 0;
  std::function<void()> m_on_empty;
  bool m_stopping = false;
};

} // namespace reactor::net
