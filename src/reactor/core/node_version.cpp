#include "reactor/core/node_version.hpp"

#include <array>
#include <utility>

namespace reactor::core {

namespace {

using util::semver::Version;

// nvm's names for the long-term support lines.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> k_lts_names{ {
  { "argon", "4" },
  { "boron", "6" },
  { "carbon", "8" },
  { "dubnium", "10" },
  { "erbium", "12" },
  { "fermium", "14" },
  { "gallium", "16" },
  { "hydrogen", "18" },
  { "iron", "20" },
  { "jod", "22" },
  { "krypton", "24" },
} };

std::string_view
trim(std::string_view text)
{
  constexpr std::string_view k_blank = " \t\r\n";
  const auto first = text.find_first_not_of(k_blank);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(k_blank) - first + 1);
}

bool
is_lts(const Version& version)
{
  return version.major % 2 == 0;
}

} // namespace

util::Result<NodeVersionRequest>
parse_node_version(std::string_view text)
{
  const auto value = trim(text);
  if (value.empty()) {
    return util::fail("it is empty");
  }
  if (value == "node" || value == "latest" || value == "current" || value == "stable") {
    return NodeVersionRequest{ *util::semver::parse_range("*"), false };
  }
  if (value == "lts/*" || value == "lts") {
    return NodeVersionRequest{ *util::semver::parse_range("*"), true };
  }
  if (value.starts_with("lts/")) {
    const auto name = value.substr(4);
    for (const auto& [codename, major] : k_lts_names) {
      if (name.size() == codename.size() &&
          std::equal(name.begin(), name.end(), codename.begin(), [](char a, char b) {
            return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
          })) {
        return NodeVersionRequest{ *util::semver::parse_range(major), false };
      }
    }
    return util::fail("'" + std::string(name) + "' is not a Node.js long-term support line");
  }
  auto range = util::semver::parse_range(value);
  if (!range) {
    return std::unexpected(std::move(range.error()));
  }
  return NodeVersionRequest{ std::move(*range), false };
}

std::optional<Version>
pick_node_version(const NodeVersionRequest& request,
                  const Version& host,
                  const std::vector<Version>& available)
{
  const auto fits = [&](const Version& version) {
    return util::semver::satisfies(version, request.range) &&
           (!request.lts_only || is_lts(version));
  };
  if (fits(host)) {
    return host;
  }
  std::optional<Version> best_lts;
  std::optional<Version> best;
  for (const auto& version : available) {
    if (!fits(version)) {
      continue;
    }
    if (!best || version > *best) {
      best = version;
    }
    if (is_lts(version) && (!best_lts || version > *best_lts)) {
      best_lts = version;
    }
  }
  return best_lts ? best_lts : best;
}

} // namespace reactor::core
