// vercel_config: the input is a whole vercel.json; what it parses into must be rules the
// site's own _redirects and _headers could hold.
#include "reactor/rules/vercel_config.hpp"

#include "host_config.hpp"
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const auto config =
    reactor::rules::parse_vercel_config({ reinterpret_cast<const char*>(data), size });
  if (config) {
    reactor::fuzz::check_host_config(*config);
  }
  return 0;
}
