#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::edge {

// Path patterns, shared by _redirects and _headers (Cloudflare Pages syntax): a pattern
// starts with "/", holds at most one "*" (a splat, matching any characters, "/" included)
// and any number of ":name" placeholders ([A-Za-z][A-Za-z0-9_]*), each a whole path
// segment ("/:name/" or "/:name" at the end) matching one or more characters but "/".
// Everything else matches itself, case-sensitively.

struct PathCapture
{
  std::string_view name; // "splat" for the "*"
  std::string_view value;
};
using PathCaptures = std::vector<PathCapture>;

// What is wrong with a pattern, for a build log; nullopt when it is valid.
std::optional<std::string> path_pattern_problem(std::string_view pattern);

// True when `path` (decoded and normalised, starting with "/") matches `pattern` whole.
// On a match, `captures` (when not null) holds each placeholder's and the splat's value,
// viewing `pattern` and `path`; otherwise it is left empty. Linear time, no allocation
// beyond `captures`.
bool match_path_pattern(std::string_view pattern, std::string_view path, PathCaptures* captures);

// `text` with every ":name" that names a capture replaced by its value, percent-encoded
// but for "/" and the other characters allowed in a path segment (so the result is safe in
// a URL and a header value); any other ":name" is kept as written.
std::string substitute_captures(std::string_view text, const PathCaptures& captures);

// The lines of a rule file (a leading UTF-8 BOM dropped, "\n" or "\r\n" endings); line
// number i + 1 is element i.
std::vector<std::string_view> rule_file_lines(std::string_view text);

// `text` in double quotes for a build log: control characters shown as "?", cut to 100
// characters.
std::string quote_excerpt(std::string_view text);

// _redirects, with the syntax and limits of Cloudflare Pages.

constexpr std::size_t k_max_static_redirects = 2000;
constexpr std::size_t k_max_dynamic_redirects = 100;
constexpr std::size_t k_max_redirect_line = 1000;

struct RedirectRule
{
  std::string from; // a path pattern
  std::string to;   // a path or http(s) URL, may hold ":name" and ":splat"
  unsigned status = 302;
  std::size_t line = 0;
};

struct RedirectRules
{
  std::vector<RedirectRule> rules; // in file order; the first match wins
  // `from` → index in `rules` of the leading rules without "*" or placeholders (static
  // rules, matched exactly before any other); filled by parse_redirects.
  std::map<std::string, std::size_t, std::less<>> static_index;
  std::vector<std::string> problems; // "line N: what is wrong", for the build log
};

struct RedirectMatch
{
  std::string target; // a URL for 301–308, a path on the same site for 200
  unsigned status = 302;
};

// Parses a _redirects file: "source destination [status]" per line, "#" comments, status
// 200 (rewrite to a path on the site), 301, 302 (default), 303, 307 or 308 (an "!" after
// it, Netlify's force, is accepted; every rule applies even when a file exists, as on
// Cloudflare). Never fails: every malformed line, rule over the limits and ignored part is
// described in `problems` and left out.
RedirectRules parse_redirects(std::string_view text);

// The first rule matching `path` (decoded and normalised, starting with "/", without the
// query string), with placeholders and splat substituted into its target (repeated
// slashes folded in a target path); nullopt when none matches. The caller keeps the
// request's query string.
std::optional<RedirectMatch> match_redirect(const RedirectRules& rules, std::string_view path);

} // namespace reactor::edge
