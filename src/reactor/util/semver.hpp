#pragma once

#include "reactor/util/error.hpp"

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::util::semver {

// A release version, "18.20.4" (a leading "v" is accepted). Pre-releases are versions too,
// but no range below matches them.
struct Version
{
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t patch = 0;
  std::string prerelease; // "rc.1" in "1.0.0-rc.1"; empty for a release

  // Releases only compare by their numbers; a pre-release sorts before its release.
  std::strong_ordering operator<=>(const Version& other) const;
  bool operator==(const Version& other) const = default;
};

std::optional<Version> parse_version(std::string_view text);
std::string to_string(const Version& version);

// One bound of a range: `op` against a version.
struct Comparator
{
  enum class Op
  {
    less,
    less_equal,
    greater,
    greater_equal,
    equal
  };
  Op op = Op::greater_equal;
  Version version;
};

// An npm range ("^18.17.0 || >=20", "18.x", "1.2 - 2", "~3.4"): sets of comparators joined
// by "||", each a conjunction.
struct Range
{
  std::vector<std::vector<Comparator>> sets;
};

// Parses npm's range grammar: x-ranges (1, 1.x, *), ~, ^, <, <=, >, >=, =, hyphen ranges
// and "||". Fails, saying what it did not understand, on anything else (tags such as
// "latest", URLs) and on more than 256 characters.
Result<Range> parse_range(std::string_view text);

// Whether a release satisfies the range; a pre-release never does.
bool satisfies(const Version& version, const Range& range);

// The highest version of `versions` that satisfies `range`; nullopt when none does.
std::optional<Version> highest_satisfying(const std::vector<Version>& versions, const Range& range);

} // namespace reactor::util::semver
