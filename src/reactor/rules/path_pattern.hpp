#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::rules {

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

// True when `pattern` holds a splat or a placeholder: it matches more than one path.
bool has_dynamic_part(std::string_view pattern);

// True when `path` (decoded and normalised, starting with "/") matches `pattern` whole.
// On a match, `captures` (when not null) holds each placeholder's and the splat's value,
// viewing `pattern` and `path`; otherwise it is left empty. Linear time, no allocation
// beyond `captures`.
bool match_path_pattern(std::string_view pattern, std::string_view path, PathCaptures* captures);

// `text` with every ":name" that names a capture replaced by its value, percent-encoded
// but for "/" and the other characters allowed in a path segment (so the result is safe in
// a URL and a header value); any other ":name" is kept as written.
std::string substitute_captures(std::string_view text, const PathCaptures& captures);

// True when `text` holds a ":name" that substitute_captures could replace.
bool mentions_placeholder(std::string_view text);

} // namespace reactor::rules
