#include "reactor/core/deploy_hook.hpp"

#include <algorithm>

namespace reactor::core {

namespace {

constexpr std::size_t k_max_name = 64;

bool
allowed(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

} // namespace

util::Result<void>
check_deploy_hook_name(std::string_view name)
{
  if (name.empty() || name.size() > k_max_name || !std::ranges::all_of(name, allowed)) {
    return util::fail("a deploy hook's name is 1 to 64 letters, digits and \"._-\", like "
                      "\"cms-publish\"");
  }
  return {};
}

} // namespace reactor::core
