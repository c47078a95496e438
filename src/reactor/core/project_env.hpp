#pragma once

#include "reactor/util/error.hpp"

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::core {

constexpr std::size_t k_max_env_value_bytes = 64 * 1024;

// Which builds of a project get a variable: those of its production branch, the others
// (previews), or both.
struct EnvScopes
{
  bool production = true;
  bool preview = true;

  bool operator==(const EnvScopes&) const = default;
};

// A project's environment variable. Its value is kept only sealed (util::seal, with
// env_associated_data as the associated data), and never leaves the server once saved.
struct EnvVariable
{
  std::string name;
  EnvScopes scopes;
  std::string sealed;
  std::int64_t updated_at_ms = 0; // 0: the store's clock when written
};

// Ok for a name a project's variable may have: ^[A-Za-z_][A-Za-z0-9_]*$, at most 128
// characters, not starting with REACTOR_ (the builds' own) nor one the sandbox sets (PATH,
// HOME, …). Otherwise the error says what to fix (400).
util::Result<void> check_env_name(std::string_view name);

// What a sealed value of the variable is bound to, so that it cannot be moved to another.
std::string env_associated_data(std::string_view project, std::string_view name);

// "production", "preview" or "production,preview", as stored; nullopt for anything else.
std::string scopes_text(EnvScopes scopes);
std::optional<EnvScopes> parse_scopes_text(std::string_view text);

// ["production", "preview"], as the API shows them.
boost::json::array scopes_json(EnvScopes scopes);

// The variables a production build (`production`) or a preview gets, in order.
std::vector<EnvVariable> variables_in_scope(const std::vector<EnvVariable>& variables,
                                            bool production);

// True when a build of a production branch (`production`) or a preview gets the variable.
bool in_scope(EnvScopes scopes, bool production);

// PUT /projects/<name>/env/<NAME>'s body.
struct EnvRequest
{
  std::string value;
  EnvScopes scopes;
};

// Parses {"value": "…", "scopes"?: ["production", "preview"]} (both scopes when absent).
// Fails, saying what to send, on a malformed body, an unknown field, a value that is not
// a string, holds a NUL or is over 64 KiB, or a scope list that is empty or names another.
util::Result<EnvRequest> parse_env_request(std::string_view body);

} // namespace reactor::core
