#include "reactor/net/connections.hpp"

#include <utility>

namespace reactor::net {

Connections::Registration::Registration(Connections& owner,
                                        std::list<std::function<void()>>::iterator entry)
  : m_owner(&owner)
  , m_entry(entry)
{
}

Connections::Registration::Registration(Registration&& other) noexcept
  : m_owner(std::exchange(other.m_owner, nullptr))
  , m_entry(other.m_entry)
{
}

Connections::Registration::~Registration()
{
  if (m_owner != nullptr) {
    m_owner->remove(m_entry);
  }
}

Connections::Registration
Connections::add(std::function<void()> on_stop)
{
  m_open.fetch_add(1, std::memory_order_relaxed);
  return { *this, m_on_stop.insert(m_on_stop.end(), std::move(on_stop)) };
}

void
Connections::stop(std::function<void()> on_empty)
{
  if (m_stopping) {
    return;
  }
  m_stopping = true;
  m_on_empty = std::move(on_empty);
  // The callbacks only cancel or close: completions are posted, so no entry is removed
  // while this loop runs.
  for (const auto& on_stop : m_on_stop) {
    on_stop();
  }
  if (m_on_stop.empty() && m_on_empty) {
    m_on_empty();
  }
}

void
Connections::remove(std::list<std::function<void()>>::iterator entry)
{
  m_on_stop.erase(entry);
  m_open.fetch_sub(1, std::memory_order_relaxed);
  if (m_stopping && m_on_stop.empty() && m_on_empty) {
    m_on_empty();
  }
}

} // namespace reactor::net
