// Repository URL and ref validation, on the string a client sent.
#include "reactor/core/repo_url.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::core;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto strict = validate_repo_url(text, false);
  const auto local = validate_repo_url(text, true);
  if (strict && (!local || *strict != text)) {
    std::abort();
  }
  // git must never read an accepted URL or ref as an option.
  if ((local && text.starts_with('-')) || (validate_ref(text) && text.starts_with('-'))) {
    std::abort();
  }
  return 0;
}
