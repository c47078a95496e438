#include "reactor/rules/headers.hpp"

#include "reactor/rules/path_pattern.hpp"
#include "reactor/rules/rule_file.hpp"
#include "reactor/util/text.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace reactor::rules {

namespace {

constexpr std::array<std::string_view, 8> k_framing_headers = {
  "connection", "content-length", "keep-alive",        "proxy-connection",
  "te",         "trailer",        "transfer-encoding", "upgrade",
};

// Headers a site's rules may not set or detach, and why; the build log repeats the reason.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> k_refused_headers = { {
  { "set-cookie",
    "every site shares the parent domain, so a cookie could reach other sites and the "
    "dashboard; set cookies from an API of your own" },
  { "set-cookie2", "sites may not set cookies (see set-cookie)" },
  { "clear-site-data",
    "it would clear the cookies of every site on the parent domain, the dashboard's too" },
  { "content-encoding", "the server sets it for the compressed variant it sends" },
  { "content-range", "the server sets it when it answers a byte range" },
  { "location", "write redirects in _redirects instead" },
  { "status", "it is not a header: give a rule's status in _redirects instead" },
} };

bool
is_token_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Why `name` cannot be set or detached; nullopt when it can.
std::optional<std::string>
name_problem(std::string_view name)
{
  if (name.empty()) {
    return std::string("missing header name");
  }
  if (!std::ranges::all_of(name, is_token_char)) {
    return "invalid header name " + quote_excerpt(name);
  }
  if (std::ranges::find(k_framing_headers, util::ascii_lowercase(name)) !=
      k_framing_headers.end()) {
    return "header " + quote_excerpt(util::ascii_lowercase(name)) +
           " is managed by the server and cannot be set or detached";
  }
  const std::string key = util::ascii_lowercase(name);
  const auto refused = std::ranges::find_if(
    k_refused_headers, [&](const auto& header) { return header.first == key; });
  if (refused != k_refused_headers.end()) {
    return "header " + quote_excerpt(refused->first) +
           " cannot be set or detached: " + std::string(refused->second);
  }
  return std::nullopt;
}

bool
starts_with_scheme(std::string_view line)
{
  const std::size_t separator = line.find("://");
  return separator != std::string_view::npos && separator > 0 &&
         std::ranges::all_of(line.substr(0, separator), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '-' || c == '.';
         });
}

bool
has_changes(const HeaderRule& rule)
{
  return !rule.set.empty() || !rule.detach.empty();
}

} // namespace

std::optional<std::string>
header_problem(std::string_view name, std::string_view value)
{
  if (auto problem = name_problem(name)) {
    return problem;
  }
  if (value.empty()) {
    return "header " + quote_excerpt(util::ascii_lowercase(name)) + " has no value";
  }
  if (std::ranges::any_of(value, [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t') || byte == 0x7f;
      })) {
    return "the value of header " + quote_excerpt(util::ascii_lowercase(name)) +
           " contains control characters";
  }
  return std::nullopt;
}

void
add_header(HeaderRule& rule, std::string_view name, std::string_view value)
{
  const std::string key = util::ascii_lowercase(name);
  const auto existing =
    std::ranges::find_if(rule.set, [&](const auto& header) { return header.first == key; });
  if (existing == rule.set.end()) {
    rule.set.emplace_back(key, std::string(value));
  } else {
    existing->second.append(", ").append(value);
  }
}

HeaderRules
parse_headers(std::string_view text)
{
  HeaderRules result;
  std::optional<HeaderRule> current;
  bool skipping = false;
  const auto finish = [&]() {
    if (current && has_changes(*current)) {
      result.rules.push_back(std::move(*current));
    } else if (current) {
      result.problems.push_back("line " + std::to_string(current->line) + ": rule for " +
                                quote_excerpt(current->pattern) +
                                " sets or detaches no headers; ignored");
    }
    current.reset();
  };

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
    if (lines[index].size() > k_max_header_line) {
      report("longer than the limit of " + std::to_string(k_max_header_line) + " characters (" +
             std::to_string(lines[index].size()) + "); ignored");
      continue;
    }

    if (line.starts_with('/') || starts_with_scheme(line)) {
      finish();
      skipping = true;
      if (result.rules.size() == k_max_header_rules) {
        report("more than " + std::to_string(k_max_header_rules) +
               " rules; this rule and the rest of the file are ignored");
        break;
      }
      if (!line.starts_with('/')) {
        report("absolute URL patterns such as " + quote_excerpt(line) +
               " are not supported, only paths; rule ignored");
        continue;
      }
      if (line.find_first_of(k_whitespace) != std::string_view::npos) {
        report("a rule's first line must hold one path, got " + quote_excerpt(line) +
               "; rule ignored");
        continue;
      }
      if (auto problem = path_pattern_problem(line)) {
        report("path " + quote_excerpt(line) + ": " + *problem + "; rule ignored");
        continue;
      }
      skipping = false;
      current = HeaderRule{ std::string(line), {}, {}, number };
      continue;
    }

    if (!current) {
      if (!skipping) {
        report("header line before any path; ignored");
      }
      continue;
    }
    if (line.starts_with('!')) {
      const std::string_view name = util::trim(line.substr(1), k_whitespace);
      if (auto problem = name_problem(name)) {
        report(*problem + "; ignored");
      } else if (std::ranges::find(current->detach, util::ascii_lowercase(name)) ==
                 current->detach.end()) {
        current->detach.push_back(util::ascii_lowercase(name));
      }
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      report("expected \"Name: value\" or \"! Name\", got " + quote_excerpt(line) + "; ignored");
      continue;
    }
    const std::string_view name = util::trim(line.substr(0, colon), k_whitespace);
    const std::string_view value = util::trim(line.substr(colon + 1), k_whitespace);
    if (auto problem = header_problem(name, value)) {
      report(*problem + "; ignored");
      continue;
    }
    add_header(*current, name, value);
  }
  finish();
  return result;
}

} // namespace reactor::rules
