#pragma once

#include "reactor/rules/headers.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reactor::edge {

struct HeaderChanges
{
  // To add, replacing the response's own header of the same name.
  std::vector<std::pair<std::string, std::string>> set;
  // To remove from the response's own headers (before adding `set`).
  std::vector<std::string> detach;
};

// The changes for `path` (decoded and normalised, starting with "/"): every matching rule
// in file order detaches its names (also dropping values set by earlier rules), then adds
// its headers, joined with ", " to a value an earlier rule set; placeholders and splat are
// substituted into the values, percent-encoded.
HeaderChanges headers_for(const rules::HeaderRules& header_rules, std::string_view path);

} // namespace reactor::edge
