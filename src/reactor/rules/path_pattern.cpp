#include "reactor/rules/path_pattern.hpp"

#include "reactor/rules/rule_file.hpp"

#include <algorithm>

namespace reactor::rules {

namespace {

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

} // namespace reactor::rules
