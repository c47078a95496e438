#pragma once

#include "reactor/util/metrics.hpp"

namespace reactor::gc {

// What garbage collection counts for /metrics (app/metrics names it on the page).
struct Metrics
{
  util::Counter blobs_deleted;
  util::Counter bytes_freed;
};

inline Metrics&
metrics()
{
  static Metrics instance;
  return instance;
}

} // namespace reactor::gc
