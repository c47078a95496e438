#include "reactor/rules/netlify_config.hpp"

#include "reactor/rules/path_pattern.hpp"
#include "reactor/rules/rule_file.hpp"
#include "reactor/util/text.hpp"

// Debian's toml++ is a compiled shared library: include it without its implementation.
#define TOML_HEADER_ONLY 0
#define TOML_SHARED_LIB 1
#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <toml++/toml.h>

namespace reactor::rules {

namespace {

std::size_t
line_of(const toml::node& node)
{
  return node.source().begin.line;
}

std::size_t
line_of(const toml::key& key)
{
  return key.source().begin.line;
}

// True for the characters toml++ 3.3 (Debian's) cannot be asked about: testing them for
// whitespace reaches its "unreachable" (marzer/tomlplusplus#190 and #295, fixed upstream in
// pull request #305), undefined behaviour. The test mirrors the library's own lookup.
bool
breaks_toml_whitespace_test(char32_t c)
{
  if (c <= 0xA0 || c >= 0xFEFF || c == 0x3000) {
    return false;
  }
  const auto block = (c - 0xA0) / 0x3FA;
  return block == 0 || block == 11 || block == 63;
}

// Why toml++ must not read `text`: not UTF-8, or a character it cannot handle; nullopt when
// it can.
std::optional<std::string>
unreadable_text(std::string_view text)
{
  std::size_t line = 1;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = util::utf8_sequence_length(text.substr(at));
    if (length == 0) {
      return "line " + std::to_string(line) + ": not valid UTF-8";
    }
    const auto lead = static_cast<unsigned char>(text[at]);
    char32_t c = length == 1 ? lead : lead & (0xFFU >> (length + 1));
    for (std::size_t i = 1; i < length; ++i) {
      c = (c << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3FU);
    }
    if (breaks_toml_whitespace_test(c)) {
      constexpr std::string_view k_hex = "0123456789ABCDEF";
      std::string hex; // four digits: every such character is below U+FEFF
      for (int shift = 12; shift >= 0; shift -= 4) {
        hex += k_hex[(c >> shift) & 0xFU];
      }
      std::string why = "line " + std::to_string(line) + ": the character U+";
      why.append(hex)
        .append(" cannot be read (a bug of the TOML library); write it as an escape, \\u")
        .append(hex)
        .append(", in a string");
      return why;
    }
    line += c == '\n' ? 1 : 0;
    at += length;
  }
  return std::nullopt;
}

struct Reader
{
  HostConfig config;
  // toml++ keeps a table's keys sorted: the problems are put in file order at the end.
  std::vector<std::pair<std::size_t, std::string>> problems;

  void problem(std::size_t line, const std::string& what)
  {
    problems.emplace_back(line, "line " + std::to_string(line) + ": " + what + "; ignored");
  }

  HostConfig finish()
  {
    std::ranges::sort(problems);
    for (auto& [line, text] : problems) {
      config.problems.push_back(std::move(text));
    }
    return std::move(config);
  }

  // Names the keys of `table` other than `known`; true when there were none.
  bool only_known(const toml::table& table,
                  std::string_view section,
                  std::span<const std::string_view> known,
                  std::string_view left_out)
  {
    bool clean = true;
    for (const auto& [key, node] : table) {
      if (std::ranges::find(known, key.str()) == known.end()) {
        problem(line_of(key),
                std::string(section) + quote_excerpt(key.str()) + " is not supported" +
                  std::string(left_out));
        clean = false;
      }
    }
    return clean;
  }

  void build(const toml::node& node)
  {
    const auto* table = node.as_table();
    if (table == nullptr) {
      problem(line_of(node), "[build] must be a table");
      return;
    }
    static constexpr std::array<std::string_view, 4> k_keys = {
      "base", "command", "publish", "environment"
    };
    only_known(*table, "[build] ", k_keys, "");
    if (const auto* environment = table->get("environment")) {
      build_environment(*environment);
    }
    for (const auto& [key, target] : { std::pair{ "base", &config.settings.root_dir },
                                       std::pair{ "command", &config.settings.build_command },
                                       std::pair{ "publish", &config.settings.output_dir } }) {
      const auto* value = table->get(key);
      if (value == nullptr) {
        continue;
      }
      if (auto text = value->value_exact<std::string>()) {
        *target = std::move(*text);
      } else {
        problem(line_of(*value), std::string("[build] ") + key + " must be a string");
      }
    }
  }

  // [build.environment]: build variables, Netlify's NODE_VERSION as the Node.js version.
  void build_environment(const toml::node& node)
  {
    const auto* table = node.as_table();
    if (table == nullptr) {
      problem(line_of(node), "[build.environment] must be a table");
      return;
    }
    for (const auto& [key, value] : *table) {
      auto text = value.value_exact<std::string>();
      if (!text) {
        problem(line_of(value),
                "[build.environment] " + quote_excerpt(key.str()) + " must be a string");
      } else if (key.str() == "NODE_VERSION") {
        config.settings.node_version = std::move(*text);
      } else {
        config.settings.env.insert_or_assign(std::string(key.str()), std::move(*text));
      }
    }
  }

  // The tables of an array of tables, each given to `read` (which names its problems).
  template<typename Read>
  void each_table(const toml::node& node, std::string_view name, Read read)
  {
    const auto* array = node.as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      problem(line_of(node), "[[" + std::string(name) + "]] must be an array of tables");
      return;
    }
    for (const auto& element : *array) {
      read(*element.as_table());
    }
  }

  void redirect(const toml::table& table)
  {
    static constexpr std::array<std::string_view, 4> k_keys = { "from", "to", "status", "force" };
    const std::size_t where = line_of(table);
    if (!only_known(table,
                    "[[redirects]] ",
                    k_keys,
                    " (it changes when the rule applies), so the redirect is left out")) {
      return;
    }
    const auto from = table["from"].value_exact<std::string>();
    const auto to = table["to"].value_exact<std::string>();
    if (!from || !to) {
      problem(where, "[[redirects]] needs \"from\" and \"to\" strings");
      return;
    }
    RedirectRule rule{ *from, *to, 301, table.source().begin.line };
    if (const auto* status = table.get("status")) {
      const auto code = status->value_exact<std::int64_t>();
      if (!code || std::ranges::find(k_redirect_statuses, *code) == k_redirect_statuses.end()) {
        problem(line_of(*status),
                "[[redirects]] status must be 200, 301, 302, 303, 307 or 308 (custom 404 pages "
                "are not supported)");
        return;
      }
      rule.status = static_cast<unsigned>(*code);
    }
    if (const auto* force = table.get("force"); force != nullptr && !force->is_boolean()) {
      problem(line_of(*force), "[[redirects]] force must be true or false");
      return;
    }
    if (auto why = redirect_rule_problem(rule)) {
      problem(where, *why);
      return;
    }
    config.redirects.push_back(std::move(rule));
  }

  void headers(const toml::table& table)
  {
    static constexpr std::array<std::string_view, 2> k_keys = { "for", "values" };
    const std::size_t where = line_of(table);
    only_known(table, "[[headers]] ", k_keys, "");
    const auto pattern = table["for"].value_exact<std::string>();
    const auto* values = table["values"].as_table();
    if (!pattern || values == nullptr) {
      problem(where, "[[headers]] needs a \"for\" string and a \"values\" table");
      return;
    }
    if (auto why = path_pattern_problem(*pattern)) {
      problem(where, "for " + quote_excerpt(*pattern) + ": " + *why);
      return;
    }
    HeaderRule rule{ *pattern, {}, {}, table.source().begin.line };
    for (const auto& [key, node] : *values) {
      const auto value = node.value_exact<std::string>();
      const std::string_view name = key.str();
      if (!value) {
        problem(line_of(key), "the value of header " + quote_excerpt(name) + " must be a string");
        continue;
      }
      // A multi-line value (a TOML """ string) is one header value.
      std::string joined = *value;
      std::ranges::replace(joined, '\n', ' ');
      if (auto why = header_problem(name, joined)) {
        problem(line_of(key), *why);
        continue;
      }
      add_header(rule, name, joined);
    }
    if (!rule.set.empty()) {
      config.headers.push_back(std::move(rule));
    }
  }

  void key(const toml::key& key, const toml::node& node)
  {
    if (key.str() == "build") {
      build(node);
    } else if (key.str() == "redirects") {
      each_table(node, "redirects", [&](const toml::table& table) { redirect(table); });
    } else if (key.str() == "headers") {
      each_table(node, "headers", [&](const toml::table& table) { headers(table); });
    } else {
      problem(line_of(key), quote_excerpt(key.str()) + " is not supported");
    }
  }
};

} // namespace

util::Result<HostConfig>
parse_netlify_config(std::string_view text)
{
  if (auto why = unreadable_text(text)) {
    return util::fail_user(*why);
  }
  toml::table table;
  try {
    table = toml::parse(text);
  } catch (const toml::parse_error& error) {
    return util::fail_user("line " + std::to_string(error.source().begin.line) +
                           ": not valid TOML (" + std::string(error.description()) + ")");
  }
  Reader reader;
  for (const auto& [key, node] : table) {
    reader.key(key, node);
  }
  return reader.finish();
}

} // namespace reactor::rules
