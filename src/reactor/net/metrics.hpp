#pragma once

#include "reactor/util/metrics.hpp"

namespace reactor::net {

// What the network layer counts for /metrics (app/metrics names it on the page).
struct Metrics
{
  util::Gauge websocket_connections;
};

inline Metrics&
metrics()
{
  static Metrics instance;
  return instance;
}

} // namespace reactor::net
