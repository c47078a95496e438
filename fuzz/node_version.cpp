// What a repository's .nvmrc, .node-version, engines.node or volta.node says, and the
// version ranges of npm that the toolchain reads from the registry.
#include "reactor/core/node_version.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto version = util::semver::parse_version(text); version) {
    // A version written out reads back as itself.
    if (util::semver::parse_version(util::semver::to_string(*version)) != version) {
      std::abort();
    }
  }
  const auto request = core::parse_node_version(text);
  if (!request) {
    if (request.error().message.empty()) {
      std::abort(); // every refusal says why
    }
    return 0;
  }
  const std::vector<util::semver::Version> available{ { 18, 20, 8, {} }, { 22, 1, 0, {} } };
  const auto picked = core::pick_node_version(*request, { 20, 11, 1, {} }, available);
  if (picked && !util::semver::satisfies(*picked, request->range)) {
    std::abort();
  }
  return 0;
}
