#include "reactor/app/config_file.hpp"

// Debian's toml++ is a compiled shared library: include it without its implementation.
#define TOML_HEADER_ONLY 0
#define TOML_SHARED_LIB 1
#include <charconv>
#include <fstream>
#include <toml++/toml.h>

namespace reactor::app {

namespace {

// What a flag takes, and so which TOML type its setting must have.
enum class Kind
{
  toggle, // a flag without a value: true or false
  number,
  text
};

Kind
kind_of(const CLI::Option& option)
{
  if (option.get_expected_max() == 0) {
    return Kind::toggle;
  }
  const std::string type = option.get_type_name();
  if (type.starts_with("INT") || type.starts_with("UINT") || type.starts_with("FLOAT")) {
    return Kind::number;
  }
  return Kind::text;
}

// The value as the command line would spell it; nullopt for arrays, tables and dates.
std::optional<std::string>
scalar_text(const toml::node& node)
{
  if (auto text = node.value_exact<std::string>()) {
    return text;
  }
  if (const auto integer = node.value_exact<std::int64_t>()) {
    return std::to_string(*integer);
  }
  if (const auto number = node.value_exact<double>()) {
    std::array<char, 32> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), *number);
    return std::string(digits.data(), end);
  }
  if (const auto flag = node.value_exact<bool>()) {
    return *flag ? "true" : "false";
  }
  return std::nullopt;
}

// Why the node's type does not fit the flag, with the line to write instead; empty when
// it fits.
std::string
type_mismatch(Kind kind, const toml::node& node, std::string_view key, std::string_view value)
{
  const std::string text(value);
  switch (kind) {
    case Kind::toggle:
      return node.is_boolean() ? "" : "expects true or false, e.g. " + std::string(key) + " = true";
    case Kind::number:
      return node.is_number() ? ""
                              : "expects a number without quotes, e.g. " + std::string(key) +
                                  " = " + (node.is_string() ? text : "2");
    case Kind::text:
      return node.is_string()
               ? ""
               : "expects a string in quotes, e.g. " + std::string(key) + " = \"" + text + "\"";
  }
  return "";
}

bool
is_settable(const CLI::App& command, const CLI::Option* option)
{
  return option != nullptr && option != command.get_help_ptr() &&
         option != command.get_help_all_ptr() && !option->check_lname("config");
}

// Sets the flag that `key` names from its value in the file; `where` is "file:line: ".
util::Result<void>
apply_setting(CLI::App& command,
              const std::string& where,
              const std::string& key,
              const toml::node& node)
{
  const auto value = scalar_text(node);
  if (!value) {
    return util::fail(where + "'" + key + "' must be a single value (settings go at the top " +
                      "level, without sections or arrays)");
  }
  CLI::Option* option = command.get_option_no_throw("--" + key);
  if (!is_settable(command, option)) {
    return util::fail(where + "unknown setting '" + key +
                      "': the settings are the flags of 'reactor " + command.get_name() +
                      " --help' without the leading --");
  }
  if (const auto mismatch = type_mismatch(kind_of(*option), node, key, *value); !mismatch.empty()) {
    return util::fail(where + "'" + key + "' " + mismatch);
  }
  if (option->count() > 0) {
    return {}; // given on the command line or in the environment, which win
  }
  try {
    option->add_result(*value);
    option->run_callback();
  } catch (const CLI::Error& error) {
    return util::fail(where + "'" + key + "' = " + *value + " is refused: " + error.what());
  }
  return {};
}

} // namespace

util::Result<void>
apply_config_file(CLI::App& command, const std::filesystem::path& file)
{
  const std::string name = file.string();
  if (!std::ifstream(file)) {
    return util::fail("cannot read the config file " + name);
  }
  toml::table table;
  try {
    table = toml::parse_file(name);
  } catch (const toml::parse_error& error) {
    return util::fail(name + ":" + std::to_string(error.source().begin.line) +
                      ": not valid TOML: " + std::string(error.description()));
  }
  for (const auto& [key_node, node] : table) {
    const std::string key(key_node.str());
    const std::string where = name + ":" + std::to_string(key_node.source().begin.line) + ": ";
    if (auto applied = apply_setting(command, where, key, node); !applied) {
      return applied;
    }
  }
  return {};
}

} // namespace reactor::app
