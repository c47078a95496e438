#pragma once

#include <cstddef>
#include <cstdint>

namespace reactor::gc {

// What one trim of a local cache removed (the builder's dependency cache reports its
// trims so; the collector adds them to its report).
struct CacheTrim
{
  std::size_t entries = 0;
  std::uint64_t bytes = 0;
};

} // namespace reactor::gc
