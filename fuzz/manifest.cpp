// The manifest reader, fed a stored manifest's bytes. What it accepts writes back to JSON
// that reads the same, rules included.
#include "reactor/objects/manifest.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::objects;
  const auto manifest = parse_manifest({ reinterpret_cast<const char*>(data), size });
  if (!manifest) {
    return 0;
  }
  const auto again = parse_manifest(to_json(*manifest));
  if (!again || again->deployment_id != manifest->deployment_id ||
      again->files.size() != manifest->files.size() ||
      again->rules.has_value() != manifest->rules.has_value() ||
      (manifest->rules &&
       (again->rules->redirects.rules.size() != manifest->rules->redirects.rules.size() ||
        again->rules->redirects.static_index != manifest->rules->redirects.static_index ||
        again->rules->headers.rules.size() != manifest->rules->headers.rules.size()))) {
    std::abort();
  }
  return 0;
}
