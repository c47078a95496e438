#include "reactor/rules/vercel_config.hpp"

#include "reactor/rules/path_pattern.hpp"
#include "reactor/rules/rule_file.hpp"

#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <span>

namespace reactor::rules {

namespace {

namespace json = boost::json;

bool
is_name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// A Vercel source as a path pattern, and what the destination calls its splat.
struct Source
{
  std::string pattern;
  std::string splat_name; // the placeholder's name, or "$1" for "(.*)"; empty: no splat
};

// `source` (path-to-regexp) as a path pattern; or why it cannot be one.
std::expected<Source, std::string>
convert_source(std::string_view source)
{
  Source converted;
  const auto splat = [&](std::string name) -> std::optional<std::string> {
    if (!converted.splat_name.empty()) {
      return "more than one \"*\", \"+\" or \"(.*)\" in " + quote_excerpt(source) +
             " (Reactor's patterns hold one splat)";
    }
    converted.splat_name = std::move(name);
    converted.pattern += '*';
    return std::nullopt;
  };
  for (std::size_t at = 0; at < source.size();) {
    const char c = source[at];
    if (c == ':' && at + 1 < source.size() && is_name_char(source[at + 1])) {
      std::size_t end = at + 1;
      while (end < source.size() && is_name_char(source[end])) {
        ++end;
      }
      std::string name(source.substr(at + 1, end - at - 1));
      const std::string_view rest = source.substr(end);
      if (rest.starts_with("(.*)") || rest.starts_with('*') || rest.starts_with('+')) {
        if (auto problem = splat(std::move(name))) {
          return std::unexpected(*problem);
        }
        at = end + (rest.starts_with('(') ? 4 : 1);
        continue;
      }
      if (rest.starts_with('?') || rest.starts_with('(')) {
        return std::unexpected("optional placeholders and placeholders with a pattern, as in " +
                               quote_excerpt(source) + ", are not supported");
      }
      converted.pattern += ':';
      converted.pattern += name;
      at = end;
      continue;
    }
    if (source.substr(at).starts_with("(.*)") && converted.splat_name.empty()) {
      static_cast<void>(splat("$1"));
      at += 4;
      continue;
    }
    if (std::string_view("()*+?{}[]\\").find(c) != std::string_view::npos) {
      return std::unexpected("the regular expression syntax in " + quote_excerpt(source) +
                             " is not supported (only \"/:name\", and one \":name*\" or "
                             "\"(.*)\")");
    }
    converted.pattern += c;
    ++at;
  }
  if (auto problem = path_pattern_problem(converted.pattern)) {
    return std::unexpected("source " + quote_excerpt(source) + ": " + *problem);
  }
  return converted;
}

// `text` (a destination or header value) with the splat's name read as ":splat", and the
// "*" or "+" after a placeholder dropped (":path*" is ":path").
std::string
convert_target(std::string_view text, const Source& source)
{
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    if (source.splat_name == "$1" && text.substr(at).starts_with("$1") &&
        (at + 2 == text.size() || !is_name_char(text[at + 2]))) {
      out += ":splat";
      at += 2;
      continue;
    }
    if (text[at] != ':' || at + 1 == text.size() || !is_name_char(text[at + 1])) {
      out += text[at++];
      continue;
    }
    std::size_t end = at + 1;
    while (end < text.size() && is_name_char(text[end])) {
      ++end;
    }
    const std::string_view name = text.substr(at + 1, end - at - 1);
    out += name == source.splat_name ? std::string(":splat") : ":" + std::string(name);
    // Not "?": in a destination it starts the query.
    at = end < text.size() && (text[end] == '*' || text[end] == '+') ? end + 1 : end;
  }
  return out;
}

const json::string*
string_field(const json::object& object, std::string_view key)
{
  const auto* value = object.if_contains(key);
  return value == nullptr ? nullptr : value->if_string();
}

// What keeps a rule object from converting: a key other than `known`; nullopt when none.
std::optional<std::string>
unknown_key(const json::object& object, std::span<const std::string_view> known)
{
  for (const auto& [key, value] : object) {
    if (std::ranges::find(known, std::string_view(key)) == known.end()) {
      const bool condition = key == "has" || key == "missing";
      return quote_excerpt(key) + (condition ? " (a condition)" : "") + " is not supported";
    }
  }
  return std::nullopt;
}

struct Reader
{
  HostConfig config;

  void problem(const std::string& where, const std::string& what)
  {
    config.problems.push_back(where + ": " + what + "; ignored");
  }

  // The rules of `key`, each an object given to `read_rule` with where it is.
  template<typename ReadRule>
  void rules(const json::value& value, std::string_view key, ReadRule read_rule)
  {
    const auto* array = value.if_array();
    if (array == nullptr) {
      problem(std::string(key), "must be an array");
      return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      const auto* object = (*array)[i].if_object();
      if (object == nullptr) {
        problem(where, "must be an object");
        continue;
      }
      if (auto why = read_rule(*object)) {
        problem(where, *why);
      }
    }
  }

  std::optional<std::string> redirect(const json::object& object, bool rewrite)
  {
    static constexpr std::array<std::string_view, 4> k_redirect_keys = {
      "source", "destination", "permanent", "statusCode"
    };
    static constexpr std::array<std::string_view, 2> k_rewrite_keys = { "source", "destination" };
    if (auto why =
          rewrite ? unknown_key(object, k_rewrite_keys) : unknown_key(object, k_redirect_keys)) {
      return why;
    }
    const auto* source_text = string_field(object, "source");
    const auto* destination = string_field(object, "destination");
    if (source_text == nullptr || destination == nullptr) {
      return "\"source\" and \"destination\" must be strings";
    }
    auto source = convert_source(*source_text);
    if (!source) {
      return source.error();
    }
    RedirectRule rule{ source->pattern, convert_target(*destination, *source), 200, 0 };
    if (!rewrite) {
      const auto* permanent = object.if_contains("permanent");
      const auto* status = object.if_contains("statusCode");
      if (permanent != nullptr && !permanent->is_bool()) {
        return std::string("\"permanent\" must be true or false");
      }
      rule.status = permanent == nullptr || permanent->get_bool() ? 308 : 307;
      if (status != nullptr) {
        const auto* code = status->if_int64();
        if (code == nullptr || *code == 200 ||
            std::ranges::find(k_redirect_statuses, *code) == k_redirect_statuses.end()) {
          return std::string("\"statusCode\" must be 301, 302, 303, 307 or 308");
        }
        rule.status = static_cast<unsigned>(*code);
      }
    }
    if (auto why = redirect_rule_problem(rule)) {
      return why;
    }
    config.redirects.push_back(std::move(rule));
    return std::nullopt;
  }

  std::optional<std::string> headers(const json::object& object)
  {
    static constexpr std::array<std::string_view, 2> k_keys = { "source", "headers" };
    if (auto why = unknown_key(object, k_keys)) {
      return why;
    }
    const auto* source_text = string_field(object, "source");
    const auto* list = object.if_contains("headers");
    if (source_text == nullptr || list == nullptr || !list->is_array()) {
      return "\"source\" must be a string and \"headers\" an array";
    }
    auto source = convert_source(*source_text);
    if (!source) {
      return source.error();
    }
    HeaderRule rule{ source->pattern, {}, {}, 0 };
    for (const auto& header : list->get_array()) {
      const auto* entry = header.if_object();
      const auto* key = entry == nullptr ? nullptr : string_field(*entry, "key");
      const auto* value = entry == nullptr ? nullptr : string_field(*entry, "value");
      if (key == nullptr || value == nullptr || entry->size() != 2) {
        return std::string("each header must be an object of a \"key\" and a \"value\" string");
      }
      const std::string converted = convert_target(*value, *source);
      if (auto why = header_problem(*key, converted)) {
        return why;
      }
      add_header(rule, *key, converted);
    }
    if (rule.set.empty()) {
      return std::string("sets no headers");
    }
    config.headers.push_back(std::move(rule));
    return std::nullopt;
  }

  void setting(const json::value& value, std::string_view key, std::string& target)
  {
    if (value.is_null()) {
      return; // Vercel's "use the default"
    }
    if (!value.is_string()) {
      problem(std::string(key), "must be a string");
      return;
    }
    if (value.get_string().empty()) {
      problem(std::string(key), "an empty value (skip this step) is not supported");
      return;
    }
    target = value.get_string();
  }

  // "cleanUrls": true sends every path ending in .html to the one without (308), as Vercel
  // does; Reactor serves /about from about.html in any case.
  void clean_urls(const json::value& value)
  {
    if (!value.is_bool()) {
      problem("cleanUrls", "must be true or false");
      return;
    }
    if (!value.get_bool()) {
      return;
    }
    for (auto [from, to] : { std::pair{ "/index.html", "/" },
                             std::pair{ "/*/index.html", "/:splat" },
                             std::pair{ "/*.html", "/:splat" } }) {
      config.redirects.push_back(RedirectRule{ .from = from, .to = to, .status = 308 });
    }
  }

  // "build": {"env": {…}}, the variables of the build step.
  void build(const json::value& value)
  {
    const auto* object = value.if_object();
    if (object == nullptr) {
      problem("build", "must be an object");
      return;
    }
    for (const auto& [name, entry] : *object) {
      if (name != "env") {
        problem("build." + quote_excerpt(name), "not supported");
        continue;
      }
      const auto* variables = entry.if_object();
      if (variables == nullptr) {
        problem("build.env", "must be an object of strings");
        continue;
      }
      for (const auto& [variable, text] : *variables) {
        if (text.is_string()) {
          config.settings.env.insert_or_assign(std::string(variable),
                                               std::string(text.get_string()));
        } else {
          problem("build.env." + quote_excerpt(variable), "must be a string");
        }
      }
    }
  }

  void key(std::string_view key, const json::value& value)
  {
    if (key == "buildCommand") {
      setting(value, key, config.settings.build_command);
    } else if (key == "installCommand") {
      setting(value, key, config.settings.install_command);
    } else if (key == "outputDirectory") {
      setting(value, key, config.settings.output_dir);
    } else if (key == "rewrites" || key == "redirects") {
      rules(
        value, key, [&](const json::object& rule) { return redirect(rule, key == "rewrites"); });
    } else if (key == "headers") {
      rules(value, key, [&](const json::object& rule) { return headers(rule); });
    } else if (key == "build") {
      build(value);
    } else if (key == "cleanUrls") {
      clean_urls(value);
    } else if (key == "trailingSlash") {
      if (value.is_bool()) {
        config.trailing_slash = value.get_bool() ? TrailingSlash::add : TrailingSlash::remove;
      } else if (!value.is_null()) {
        problem(std::string(key), "must be true or false");
      }
    } else if (key != "$schema") {
      problem(quote_excerpt(key), "not supported");
    }
  }
};

} // namespace

util::Result<HostConfig>
parse_vercel_config(std::string_view text)
{
  json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t read = parser.write(text.data(), text.size(), ec);
  if (!ec) {
    parser.finish(ec);
  }
  if (ec) {
    const std::string_view before = text.substr(0, read);
    const auto line = std::ranges::count(before, '\n') + 1;
    return util::fail_user("line " + std::to_string(line) + ": not valid JSON (" + ec.message() +
                           ")");
  }
  const json::value value = parser.release();
  if (!value.is_object()) {
    return util::fail_user("line 1: must be a JSON object");
  }
  Reader reader;
  for (const auto& [key, field] : value.get_object()) {
    reader.key(key, field);
  }
  return std::move(reader.config);
}

} // namespace reactor::rules
