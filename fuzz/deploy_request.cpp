// The body of POST /deploy, as it arrives.
#include "reactor/core/deploy_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::core;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto strict = parse_deploy_request(body, false);
  const auto local = parse_deploy_request(body, true);
  // Allowing local repositories only ever accepts more.
  if (strict && (!local || local->repo_url != strict->repo_url || local->ref != strict->ref)) {
    std::abort();
  }
  if (!strict && strict.error().message.empty()) {
    std::abort(); // every refusal says why
  }
  return 0;
}
