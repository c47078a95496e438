#include "reactor/core/project_env.hpp"

#include "reactor/core/build_settings.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <iterator>

namespace reactor::core {

namespace {

constexpr std::size_t k_max_env_name = 128;
constexpr std::string_view k_reserved_prefix = "REACTOR_";
constexpr std::string_view k_example = R"({"value": "…", "scopes": ["production", "preview"]})";

bool
is_name_start(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

util::Result<EnvScopes>
scopes_field(const boost::json::value* value)
{
  if (value == nullptr || value->is_null()) {
    return EnvScopes{};
  }
  const auto* list = value->if_array();
  if (list == nullptr || list->empty()) {
    return util::fail(R"(scopes must be a list of "production" and/or "preview")");
  }
  EnvScopes scopes{ .production = false, .preview = false };
  for (const auto& entry : *list) {
    const auto* text = entry.if_string();
    if (text != nullptr && *text == "production") {
      scopes.production = true;
    } else if (text != nullptr && *text == "preview") {
      scopes.preview = true;
    } else {
      return util::fail("scopes: " + boost::json::serialize(entry) +
                        R"( is not a scope; use "production" and/or "preview")");
    }
  }
  return scopes;
}

} // namespace

util::Result<void>
check_env_name(std::string_view name)
{
  const bool well_formed =
    !name.empty() && name.size() <= k_max_env_name && is_name_start(name[0]) &&
    std::ranges::all_of(name, [](char c) { return is_name_start(c) || (c >= '0' && c <= '9'); });
  if (!well_formed) {
    return util::fail("'" + std::string(name.substr(0, k_max_env_name)) +
                      "' is not a variable name: use letters, digits and _, not starting with "
                      "a digit, at most 128 characters (^[A-Za-z_][A-Za-z0-9_]*$)");
  }
  if (name.starts_with(k_reserved_prefix)) {
    return util::fail("names starting with REACTOR_ are reserved for the variables Reactor "
                      "gives every build; choose another name");
  }
  if (is_sandbox_env_name(name)) {
    return util::fail(std::string(name) + " is set by the build sandbox; choose another name");
  }
  return {};
}

std::string
env_associated_data(std::string_view project, std::string_view name)
{
  // Neither part can hold '/': a project is a DNS label, a name [A-Za-z0-9_].
  return "reactor-env:" + std::string(project) + "/" + std::string(name);
}

std::string
scopes_text(EnvScopes scopes)
{
  if (scopes.production && scopes.preview) {
    return "production,preview";
  }
  return scopes.production ? "production" : "preview";
}

std::optional<EnvScopes>
parse_scopes_text(std::string_view text)
{
  if (text == "production,preview") {
    return EnvScopes{};
  }
  if (text == "production" || text == "preview") {
    return EnvScopes{ .production = text == "production", .preview = text == "preview" };
  }
  return std::nullopt;
}

boost::json::array
scopes_json(EnvScopes scopes)
{
  boost::json::array list;
  if (scopes.production) {
    list.emplace_back("production");
  }
  if (scopes.preview) {
    list.emplace_back("preview");
  }
  return list;
}

bool
in_scope(EnvScopes scopes, bool production)
{
  return production ? scopes.production : scopes.preview;
}

std::vector<EnvVariable>
variables_in_scope(const std::vector<EnvVariable>& variables, bool production)
{
  std::vector<EnvVariable> chosen;
  std::ranges::copy_if(variables, std::back_inserter(chosen), [&](const EnvVariable& variable) {
    return in_scope(variable.scopes, production);
  });
  return chosen;
}

util::Result<EnvRequest>
parse_env_request(std::string_view body)
{
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(body, ec);
  if (ec || !json.is_object()) {
    return util::fail("The request body must be a JSON object: " + std::string(k_example));
  }
  const auto& object = json.get_object();
  for (const auto& [key, value] : object) {
    if (key != "value" && key != "scopes") {
      return util::fail("unknown field '" + std::string(key) +
                        "': this call takes value and scopes");
    }
  }
  const auto* value = object.if_contains("value");
  if (value == nullptr || !value->is_string()) {
    return util::fail("value must be a string: " + std::string(k_example));
  }
  const auto& text = value->get_string();
  if (text.size() > k_max_env_value_bytes) {
    return util::fail("value is " + std::to_string(text.size()) +
                      " bytes: a variable holds at most 64 KiB (65536 bytes)");
  }
  if (text.find('\0') != boost::json::string::npos) {
    return util::fail("value cannot hold a NUL character (\\u0000)");
  }
  auto scopes = scopes_field(object.if_contains("scopes"));
  if (!scopes) {
    return std::unexpected(scopes.error());
  }
  return EnvRequest{ .value = std::string(text), .scopes = *scopes };
}

} // namespace reactor::core
