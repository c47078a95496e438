#pragma once

#include "reactor/util/metrics.hpp"

#include <array>
#include <string_view>

namespace reactor::builder {

// What the workers count for /metrics (app/metrics names it on the page).
struct Metrics
{
  // The build info's phase names, in the order of `phase_seconds`.
  static constexpr std::array<std::string_view, 4> k_phases{ "clone",
                                                             "install",
                                                             "build",
                                                             "upload" };
  util::Counter leases_expired;  // jobs leased again after a lease expired
  util::Histogram build_seconds; // lease to final status
  std::array<util::Histogram, k_phases.size()> phase_seconds;
};

inline Metrics&
metrics()
{
  static Metrics instance;
  return instance;
}

} // namespace reactor::builder
