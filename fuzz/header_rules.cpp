// _headers: the first line is a request path, the rest the file, as Edge applies it.
#include "reactor/edge/header_rules.hpp"

#include "reactor/edge/site_path.hpp"
#include "reactor/rules/path_pattern.hpp"

#include "split_input.hpp"
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

// A header value may not hold a line break: the response would be split.
bool
has_line_break(std::string_view text)
{
  return text.find_first_of("\r\n") != std::string_view::npos;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::edge;
  using namespace reactor::rules;
  const auto [request_path, file] =
    reactor::fuzz::split_first_line({ reinterpret_cast<const char*>(data), size });
  const HeaderRules rules = parse_headers(file);
  if (rules.rules.size() > k_max_header_rules) {
    std::abort();
  }
  for (const HeaderRule& rule : rules.rules) {
    if (path_pattern_problem(rule.pattern)) {
      std::abort();
    }
  }
  const auto path = normalize_site_path(request_path);
  if (!path) {
    return 0;
  }
  const HeaderChanges changes = headers_for(rules, "/" + *path);
  for (const auto& [name, value] : changes.set) {
    if (name.empty() || has_line_break(name) || has_line_break(value)) {
      std::abort();
    }
  }
  return 0;
}
