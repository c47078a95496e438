// The body of PUT /projects/<name>/env/<NAME>, and a variable's name, as they arrive.
#include "reactor/core/project_env.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::core;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_env_request(body);
  if (parsed && (parsed->value.size() > k_max_env_value_bytes ||
                 parsed->value.find('\0') != std::string::npos ||
                 (!parsed->scopes.production && !parsed->scopes.preview))) {
    std::abort(); // a value a build could not get, or a variable no build gets
  }
  if (!parsed && parsed.error().message.empty()) {
    std::abort(); // every refusal says why
  }
  if (const auto named = check_env_name(body);
      named &&
      (body.empty() || body.starts_with("REACTOR_") ||
       body.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
         std::string_view::npos)) {
    std::abort();
  }
  return 0;
}
