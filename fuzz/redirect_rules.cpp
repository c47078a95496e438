// _redirects: the first line is a request path, the rest the file. The path goes through
// the edge's normalisation, then every rule is matched against it, as Edge does.
#include "reactor/edge/redirect_rules.hpp"

#include "reactor/edge/site_path.hpp"
#include "reactor/rules/path_pattern.hpp"

#include "split_input.hpp"
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::edge;
  using namespace reactor::rules;
  const auto [request_path, file] =
    reactor::fuzz::split_first_line({ reinterpret_cast<const char*>(data), size });
  const RedirectRules rules = parse_redirects(file);
  if (rules.rules.size() > k_max_static_redirects + k_max_dynamic_redirects) {
    std::abort();
  }
  for (const RedirectRule& rule : rules.rules) {
    if (path_pattern_problem(rule.from)) {
      std::abort(); // parse_redirects keeps only valid patterns
    }
  }
  const auto path = normalize_site_path(request_path);
  if (!path) {
    return 0;
  }
  if (const auto match = match_redirect(rules, "/" + *path)) {
    normalize_site_path(match->target);
  }
  return 0;
}
