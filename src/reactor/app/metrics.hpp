#pragma once

#include "reactor/util/metrics.hpp"

#include <array>

namespace reactor::app {

// Site requests as the front door hands them to the edge.
struct SiteMetrics
{
  // Responses and body bytes by status class (index 1 = 1xx … 5 = 5xx).
  std::array<util::Counter, 6> requests;
  std::array<util::Counter, 6> bytes;
  util::Counter memory_hits;   // answered from the edge's memory
  util::Counter memory_misses; // loaded from the object store first
};

SiteMetrics& site_metrics();

// The project's metric set: every module's instruments, named and explained, on `page`.
void render_metrics(util::MetricsPage& page);

} // namespace reactor::app
