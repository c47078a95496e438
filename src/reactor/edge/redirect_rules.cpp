#include "reactor/edge/redirect_rules.hpp"

#include <algorithm>
#include <array>

namespace reactor::edge {

namespace {

constexpr std::string_view k_whitespace = " \t\r\v\f";
constexpr std::size_t k_max_excerpt = 100;
constexpr std::array<unsigned, 6> k_statuses = { 200, 301, 302, 303, 307, 308 };

bool
is_letter(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
is_name_char(char c)
{
  return is_letter(c) || (c >= '0' && c <= '9') || c == '_';
}

bool
is_control(char c)
{
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

std::size_t
name_length(std::string_view text, std::size_t start)
{
  std::size_t end = start;
  while (end < text.size() && is_name_char(text[end])) {
    ++end;
  }
  return end - start;
}

// The length of the placeholder name after the ":" at `at` when it is a whole segment;
// 0 when the ":" is an ordinary character.
std::size_t
placeholder_at(std::string_view pattern, std::size_t at)
{
  if (pattern[at] != ':' || at == 0 || pattern[at - 1] != '/' || at + 1 >= pattern.size() ||
      !is_letter(pattern[at + 1])) {
    return 0;
  }
  const std::size_t length = name_length(pattern, at + 1);
  const std::size_t end = at + 1 + length;
  return end == pattern.size() || pattern[end] == '/' ? length : 0;
}

// Matches pattern[begin, end) (no splat inside) against the start of `text`; the number
// of characters of `text` consumed, nullopt on a mismatch.
std::optional<std::size_t>
match_prefix(std::string_view pattern,
             std::size_t begin,
             std::size_t end,
             std::string_view text,
             PathCaptures* captures)
{
  std::size_t at = 0;
  for (std::size_t i = begin; i < end;) {
    if (const std::size_t length = placeholder_at(pattern, i)) {
      std::size_t segment_end = text.find('/', at);
      if (segment_end == std::string_view::npos) {
        segment_end = text.size();
      }
      if (segment_end == at) {
        return std::nullopt;
      }
      if (captures) {
        captures->push_back({ pattern.substr(i + 1, length), text.substr(at, segment_end - at) });
      }
      i += 1 + length;
      at = segment_end;
      continue;
    }
    if (at >= text.size() || text[at] != pattern[i]) {
      return std::nullopt;
    }
    ++i;
    ++at;
  }
  return at;
}

bool
match_with_splat(std::string_view pattern,
                 std::size_t star,
                 std::string_view path,
                 PathCaptures* captures)
{
  const auto head = match_prefix(pattern, 0, star, path, captures);
  if (!head) {
    return false;
  }
  const std::string_view tail = pattern.substr(star + 1);
  const auto slashes = static_cast<std::size_t>(std::ranges::count(tail, '/'));
  const std::size_t first_slash = std::min(tail.find('/'), tail.size());
  std::size_t tail_slash = path.size();
  for (std::size_t i = 0; i < slashes; ++i) {
    if (tail_slash == 0) {
      return false;
    }
    tail_slash = path.rfind('/', tail_slash - 1);
    if (tail_slash == std::string_view::npos) {
      return false;
    }
  }
  if (tail_slash < *head + first_slash) {
    return false;
  }
  const std::size_t tail_start = tail_slash - first_slash;
  const std::string_view rest = path.substr(tail_start);
  const auto tail_length = match_prefix(pattern, star + 1, pattern.size(), rest, captures);
  if (!tail_length || *tail_length != rest.size()) {
    return false;
  }
  if (captures) {
    captures->push_back({ "splat", path.substr(*head, tail_start - *head) });
  }
  return true;
}

bool
keeps_unencoded(char c)
{
  return is_name_char(c) || std::string_view("-.~!$&'()*+,;=:@/").find(c) != std::string_view::npos;
}

void
append_encoded(std::string& out, std::string_view value)
{
  constexpr std::string_view k_hex = "0123456789ABCDEF";
  for (char c : value) {
    if (keeps_unencoded(c)) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(k_hex[byte >> 4]);
    out.push_back(k_hex[byte & 0xf]);
  }
}

std::string_view
trim(std::string_view text)
{
  const auto begin = text.find_first_not_of(k_whitespace);
  if (begin == std::string_view::npos) {
    return {};
  }
  return text.substr(begin, text.find_last_not_of(k_whitespace) - begin + 1);
}

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

bool
has_dynamic_part(std::string_view pattern)
{
  if (pattern.find('*') != std::string_view::npos) {
    return true;
  }
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (placeholder_at(pattern, i)) {
      return true;
    }
  }
  return false;
}

bool
mentions_placeholder(std::string_view text)
{
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == ':' && is_letter(text[i + 1])) {
      return true;
    }
  }
  return false;
}

std::string_view
without_query(std::string_view target)
{
  return target.substr(0, std::min(target.find_first_of("?#"), target.size()));
}

std::string
finish_target(std::string_view to, const PathCaptures& captures)
{
  std::string target = substitute_captures(to, captures);
  if (is_absolute_url(target)) {
    return target;
  }
  const std::size_t path_end = std::min(target.find_first_of("?#"), target.size());
  std::string folded;
  folded.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (i < path_end && target[i] == '/' && !folded.empty() && folded.back() == '/') {
      continue;
    }
    folded.push_back(target[i]);
  }
  return folded;
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
  if (std::ranges::find(k_statuses, status) == k_statuses.end()) {
    return std::nullopt;
  }
  return status;
}

} // namespace

std::optional<std::string>
path_pattern_problem(std::string_view pattern)
{
  if (!pattern.starts_with('/')) {
    return "must start with \"/\"";
  }
  if (std::ranges::any_of(pattern, [](char c) { return is_control(c) || c == ' '; })) {
    return "contains spaces or control characters";
  }
  if (pattern.find('%') != std::string_view::npos) {
    return "percent-escapes are not supported: write the characters themselves";
  }
  if (std::ranges::count(pattern, '*') > 1) {
    return "more than one \"*\" (only one splat is allowed)";
  }
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != ':' || i + 1 >= pattern.size() || !is_letter(pattern[i + 1])) {
      continue;
    }
    const std::string_view name = pattern.substr(i + 1, name_length(pattern, i + 1));
    if (!placeholder_at(pattern, i)) {
      return "placeholder \":" + std::string(name) +
             "\" must be a whole path segment (as in /:" + std::string(name) + "/)";
    }
    if (name == "splat") {
      return std::string("\":splat\" is reserved for the value matched by \"*\"");
    }
    if (std::ranges::find(names, name) != names.end()) {
      return "placeholder \":" + std::string(name) + "\" appears twice";
    }
    names.push_back(name);
    i += name.size();
  }
  return std::nullopt;
}

bool
match_path_pattern(std::string_view pattern, std::string_view path, PathCaptures* captures)
{
  if (captures) {
    captures->clear();
  }
  const std::size_t star = pattern.find('*');
  const bool matched = star == std::string_view::npos
                         ? match_prefix(pattern, 0, pattern.size(), path, captures) == path.size()
                         : match_with_splat(pattern, star, path, captures);
  if (!matched && captures) {
    captures->clear();
  }
  return matched;
}

std::string
substitute_captures(std::string_view text, const PathCaptures& captures)
{
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != ':' || i + 1 >= text.size() || !is_letter(text[i + 1])) {
      out.push_back(text[i]);
      continue;
    }
    const std::string_view name = text.substr(i + 1, name_length(text, i + 1));
    const auto capture =
      std::ranges::find_if(captures, [&](const PathCapture& c) { return c.name == name; });
    if (capture == captures.end()) {
      out.push_back(':');
      out.append(name);
    } else {
      append_encoded(out, capture->value);
    }
    i += name.size();
  }
  return out;
}

std::vector<std::string_view>
rule_file_lines(std::string_view text)
{
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return lines;
}

std::string
quote_excerpt(std::string_view text)
{
  std::string out = "\"";
  for (char c : text.substr(0, k_max_excerpt)) {
    out.push_back(is_control(c) ? '?' : c);
  }
  out += text.size() > k_max_excerpt ? "…\"" : "\"";
  return out;
}

RedirectRules
parse_redirects(std::string_view text)
{
  RedirectRules result;
  std::map<std::string, std::size_t, std::less<>> first_line;
  std::size_t dynamic_count = 0;
  std::size_t static_over = 0;
  std::size_t static_over_line = 0;
  const std::vector<std::string_view> lines = rule_file_lines(text);
  for (std::size_t index = 0; index < lines.size(); ++index) {
    const std::size_t number = index + 1;
    const std::string_view line = trim(lines[index]);
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
      if (result.static_index.size() == k_max_static_redirects) {
        static_over_line = static_over == 0 ? number : static_over_line;
        ++static_over;
        continue;
      }
      result.static_index.emplace(rule.from, result.rules.size());
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
  return result;
}

std::optional<RedirectMatch>
match_redirect(const RedirectRules& rules, std::string_view path)
{
  if (const auto found = rules.static_index.find(path); found != rules.static_index.end()) {
    const RedirectRule& rule = rules.rules[found->second];
    return RedirectMatch{ finish_target(rule.to, {}), rule.status };
  }
  PathCaptures captures;
  for (std::size_t i = rules.static_index.size(); i < rules.rules.size(); ++i) {
    const RedirectRule& rule = rules.rules[i];
    if (match_path_pattern(rule.from, path, &captures)) {
      return RedirectMatch{ finish_target(rule.to, captures), rule.status };
    }
  }
  return std::nullopt;
}

} // namespace reactor::edge
