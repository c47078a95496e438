#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reactor::rules {

// _headers, with the syntax and limits of Cloudflare Pages.

constexpr std::size_t k_max_header_rules = 100;
constexpr std::size_t k_max_header_line = 2000;

struct HeaderRule
{
  std::string pattern; // a path pattern (see path_pattern.hpp)
  // Lowercase names; a name repeated in the rule has its values joined with ", ". Values
  // may hold ":name" and ":splat".
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::string> detach; // lowercase names, from "! Name" lines
  std::size_t line = 0;
};

struct HeaderRules
{
  std::vector<HeaderRule> rules;     // in file order; every matching rule applies
  std::vector<std::string> problems; // "line N: what is wrong", for the build log
};

// Why a rule cannot set header `name` to `value` (an invalid or refused name, an empty
// value, control characters), for a build log; nullopt when it can.
std::optional<std::string> header_problem(std::string_view name, std::string_view value);

// Adds `name: value` (one header_problem accepts) to `rule.set`, lowercasing the name and
// joining the values of a name already set with ", ".
void add_header(HeaderRule& rule, std::string_view name, std::string_view value);

// Parses a _headers file: a path pattern on a line, then "Name: value" and "! Name" lines
// (indented or not), "#" comments. Never fails: malformed lines, headers before any path,
// invalid names, headers that frame the message (Content-Length, Transfer-Encoding,
// Connection…) or that a site must not send (Set-Cookie, which would reach every site on
// the shared parent domain; Clear-Site-Data; Content-Encoding and Content-Range, which
// describe the body the server sends; Location; Status), absolute URL patterns and rules
// over the limits are described in `problems` and left out.
HeaderRules parse_headers(std::string_view text);

} // namespace reactor::rules
