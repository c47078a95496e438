#include "reactor/rules/redirects.hpp"

#include "reactor/rules/path_pattern.hpp"
#include "reactor/rules/rule_file.hpp"
#include "reactor/util/text.hpp"

#include <algorithm>

namespace reactor::rules {

namespace {

std::vector<std::string_view>
split_fields(std::string_view line)
{
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while ((at = line.find_first_not_of(k_whitespace, at)) != std::string_view::npos) {
    const std::size_t end = std::min(line.find_first_of(k_whitespace, at), line.size());
    fields.push_back(line.substr(at, end - at));
    at = end;
  }
  return fields;
}

std::string_view
without_query(std::string_view target)
{
  return target.substr(0, std::min(target.find_first_of("?#"), target.size()));
}

// Why a parsed line cannot become a rule (nullopt when it can); `rule.from` is the
// source without its query string or fragment.
std::optional<std::string>
rule_problem(const RedirectRule& rule, std::string_view from_field)
{
  if (from_field.find("://") != std::string_view::npos) {
    return "source " + quote_excerpt(from_field) +
           " must be a path starting with \"/\" (domain-level redirects are not supported)";
  }
  if (auto problem = path_pattern_problem(rule.from)) {
    return "source " + quote_excerpt(from_field) + ": " + *problem;
  }
  if (std::ranges::any_of(rule.to, is_control)) {
    return "destination " + quote_excerpt(rule.to) + " contains control characters";
  }
  const bool absolute = is_absolute_url(rule.to);
  if (!absolute && (!rule.to.starts_with('/') || rule.to.starts_with("//"))) {
    return "destination " + quote_excerpt(rule.to) +
           " must be a path starting with a single \"/\" or an http(s):// URL";
  }
  // Browsers read a backslash as "/": "/\evil.example" would send visitors to another site.
  if (!absolute && without_query(rule.to).find('\\') != std::string_view::npos) {
    return "destination " + quote_excerpt(rule.to) +
           " holds a backslash, which browsers read as \"/\" (\"/\\evil.example\" leaves "
           "the site): write \"/\" or %5C instead";
  }
  if (rule.status == 200 && absolute) {
    return "status 200 rewrites must point to a path on this site, not " + quote_excerpt(rule.to);
  }
  const std::string_view to_path = without_query(rule.to);
  if (!absolute && rule.from.ends_with("/*") &&
      (to_path.ends_with("/index") || to_path.ends_with("/index.html"))) {
    return quote_excerpt(rule.from + " " + rule.to) +
           " would answer every path under it, assets included, with that page (and loop as a "
           "redirect); Reactor already serves index.html for page paths that match no file";
  }
  if (!absolute && rule.status != 200 && !mentions_placeholder(rule.to) &&
      match_path_pattern(rule.from, to_path, nullptr)) {
    return "redirects " + quote_excerpt(rule.from) + " to " + quote_excerpt(rule.to) +
           ", which matches the same rule again: an endless redirect loop";
  }
  return std::nullopt;
}

std::optional<unsigned>
parse_status(std::string_view field)
{
  if (field.ends_with('!')) {
    field.remove_suffix(1);
  }
  if (field.size() != 3 ||
      !std::ranges::all_of(field, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const auto status =
    static_cast<unsigned>((field[0] - '0') * 100 + (field[1] - '0') * 10 + (field[2] - '0'));
  if (std::ranges::find(k_redirect_statuses, status) == k_redirect_statuses.end()) {
    return std::nullopt;
  }
  return status;
}

} // namespace

std::optional<std::string>
redirect_rule_problem(const RedirectRule& rule)
{
  return rule_problem(rule, rule.from);
}

std::optional<std::string>
add_redirect(RedirectRules& rules, RedirectRule rule)
{
  // static_index holds the leading static rules: the rest count as dynamic.
  const std::size_t static_count = rules.static_index.size();
  const std::size_t dynamic_count = rules.rules.size() - static_count;
  const bool taken =
    rules.static_index.contains(rule.from) ||
    std::ranges::any_of(rules.rules.begin() + std::ssize(rules.static_index),
                        rules.rules.end(),
                        [&](const RedirectRule& other) { return other.from == rule.from; });
  if (taken) {
    return "duplicate source " + quote_excerpt(rule.from) + " (the earlier rule applies)";
  }
  const bool is_static = dynamic_count == 0 && !has_dynamic_part(rule.from);
  if (is_static && static_count == k_max_static_redirects) {
    return "more than " + std::to_string(k_max_static_redirects) + " static rules";
  }
  if (!is_static && dynamic_count == k_max_dynamic_redirects) {
    return "more than " + std::to_string(k_max_dynamic_redirects) +
           " dynamic rules (those with \"*\" or placeholders, and every rule after the first of "
           "them)";
  }
  if (is_static) {
    rules.static_index.emplace(rule.from, rules.rules.size());
  }
  rules.rules.push_back(std::move(rule));
  return std::nullopt;
}

bool
is_absolute_url(std::string_view target)
{
  for (std::string_view scheme : { "https://", "http://" }) {
    if (target.size() > scheme.size() &&
        std::ranges::equal(target.substr(0, scheme.size()), scheme, [](char a, char b) {
          return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
        })) {
      return target[scheme.size()] != '/';
    }
  }
  return false;
}

RedirectRules
parse_redirects(std::string_view text)
{
  RedirectRules result;
  std::map<std::string, std::size_t, std::less<>> first_line;
  std::size_t static_count = 0;
  std::size_t dynamic_count = 0;
  std::size_t static_over = 0;
  std::size_t static_over_line = 0;
  const std::vector<std::string_view> lines = rule_file_lines(text);
  for (std::size_t index = 0; index < lines.size(); ++index) {
    const std::size_t number = index + 1;
    const std::string_view line = util::trim(lines[index], k_whitespace);
    const auto report = [&](const std::string& message) {
      result.problems.push_back("line " + std::to_string(number) + ": " + message);
    };
    if (line.empty() || line.starts_with('#')) {
      continue;
    }
    if (line.size() > k_max_redirect_line) {
      report("longer than the limit of " + std::to_string(k_max_redirect_line) + " characters (" +
             std::to_string(line.size()) + "); ignored");
      continue;
    }
    std::vector<std::string_view> fields = split_fields(line);
    const auto comment =
      std::ranges::find_if(fields.begin() + std::min<std::ptrdiff_t>(2, std::ssize(fields)),
                           fields.end(),
                           [](std::string_view field) { return field.starts_with('#'); });
    fields.erase(comment, fields.end());
    if (fields.size() > 3) {
      const auto condition = std::ranges::find_if(
        fields, [](std::string_view field) { return field.find('=') != std::string_view::npos; });
      if (condition != fields.end()) {
        report("conditions and query matching (" + quote_excerpt(*condition) +
               ") are not supported; ignored");
        continue;
      }
    }
    if (fields.size() < 2 || fields.size() > 3) {
      report("expected \"source destination [status]\", got " + std::to_string(fields.size()) +
             (fields.size() == 1 ? " field" : " fields") + "; ignored");
      continue;
    }
    const std::string_view from_field = fields[0];
    const std::size_t from_end = std::min(from_field.find_first_of("?#"), from_field.size());
    RedirectRule rule{
      std::string(from_field.substr(0, from_end)), std::string(fields[1]), 302, number
    };
    if (fields.size() == 3) {
      const auto status = parse_status(fields[2]);
      if (!status) {
        report("status " + quote_excerpt(fields[2]) +
               " is not supported (use 200, 301, 302, 303, 307 or 308); ignored");
        continue;
      }
      rule.status = *status;
    }
    if (auto problem = rule_problem(rule, from_field)) {
      report(*problem + "; ignored");
      continue;
    }
    if (const auto seen = first_line.find(rule.from); seen != first_line.end()) {
      report("duplicate source " + quote_excerpt(rule.from) + " (the rule on line " +
             std::to_string(seen->second) + " applies); ignored");
      continue;
    }
    if (from_end < from_field.size() && from_field[from_end] == '?') {
      report("the query string " + quote_excerpt(from_field.substr(from_end)) +
             " in the source is ignored: the rule matches " + quote_excerpt(rule.from) +
             " with any query");
    }
    if (dynamic_count == 0 && !has_dynamic_part(rule.from)) {
      if (static_count == k_max_static_redirects) {
        static_over_line = static_over == 0 ? number : static_over_line;
        ++static_over;
        continue;
      }
      ++static_count;
    } else {
      if (dynamic_count == k_max_dynamic_redirects) {
        report("more than " + std::to_string(k_max_dynamic_redirects) +
               " dynamic rules (those with \"*\" or placeholders, and every rule after the "
               "first of them); this line and the rest of the file are ignored");
        break;
      }
      ++dynamic_count;
    }
    first_line.emplace(rule.from, number);
    result.rules.push_back(std::move(rule));
  }
  if (static_over > 0) {
    result.problems.push_back(
      "line " + std::to_string(static_over_line) + ": more than " +
      std::to_string(k_max_static_redirects) + " static rules; " + std::to_string(static_over) +
      (static_over == 1 ? " rule" : " rules") + " from this line on ignored");
  }
  index_static_redirects(result);
  return result;
}

void
index_static_redirects(RedirectRules& rules)
{
  rules.static_index.clear();
  for (std::size_t i = 0; i < rules.rules.size() && !has_dynamic_part(rules.rules[i].from); ++i) {
    rules.static_index.emplace(rules.rules[i].from, i);
  }
}

} // namespace reactor::rules
