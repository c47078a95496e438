#pragma once

#include "reactor/util/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace reactor::core {

// A deploy hook: a secret URL, POST /deploy-hooks/<token>, that builds one branch of a
// project, for tools that cannot sign a webhook (a CMS's publish button, cron). Only the
// token's hash (util::token_hash) is kept; the token is shown once, when the hook is made.
struct DeployHook
{
  std::string project;
  std::string name;   // unique within the project: how it is listed and removed
  std::string branch; // what it builds
  std::string token_hash;
  std::int64_t created_at_ms = 0; // 0: the store's clock when created
};

// Ok for a hook's name: 1 to 64 letters, digits and "._-" (a path segment as it is).
// Otherwise the error says what to fix (400).
util::Result<void> check_deploy_hook_name(std::string_view name);

} // namespace reactor::core
