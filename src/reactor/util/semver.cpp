#include "reactor/util/semver.hpp"

#include <algorithm>
#include <tuple>

namespace reactor::util::semver {

namespace {

constexpr std::size_t k_max_range = 256;
// Numbers stay far enough below the type's limit that "the next major" cannot overflow.
constexpr std::uint32_t k_max_number = 999'999'999;

using Op = Comparator::Op;

// A version with parts left out or written as x, *: "18", "1.2.x".
struct Partial
{
  std::optional<std::uint32_t> major;
  std::optional<std::uint32_t> minor;
  std::optional<std::uint32_t> patch;
  std::string prerelease;

  Version lower() const
  {
    return { major.value_or(0), minor.value_or(0), patch.value_or(0), prerelease };
  }
};

bool
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

bool
is_identifier(char c)
{
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
}

// One number or wildcard of a partial; nullopt for a wildcard. Fails on anything else.
Result<std::optional<std::uint32_t>>
number_part(std::string_view text)
{
  if (text == "x" || text == "X" || text == "*") {
    return std::optional<std::uint32_t>{};
  }
  if (text.empty() || text.size() > 9 || !std::ranges::all_of(text, is_digit)) {
    return fail("'" + std::string(text) + "' is not a version number");
  }
  std::uint32_t value = 0;
  for (const char c : text) {
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return std::optional(std::min(value, k_max_number));
}

Result<Partial>
parse_partial(std::string_view text)
{
  const std::string shown(text);
  if (text.starts_with('v') || text.starts_with('V')) {
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return fail("a version is missing");
  }
  Partial partial;
  if (const auto plus = text.find('+'); plus != std::string_view::npos) {
    text = text.substr(0, plus); // build metadata never matters
  }
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    partial.prerelease = std::string(text.substr(dash + 1));
    text = text.substr(0, dash);
    if (partial.prerelease.empty() || !std::ranges::all_of(partial.prerelease, is_identifier)) {
      return fail("'" + shown + "' has an invalid pre-release");
    }
  }
  std::optional<std::uint32_t>* parts[] = { &partial.major, &partial.minor, &partial.patch };
  std::size_t index = 0;
  bool wildcard = false;
  for (std::size_t start = 0; start <= text.size(); ++index) {
    if (index == 3) {
      return fail("'" + shown + "' has more than three numbers");
    }
    const auto end = std::min(text.find('.', start), text.size());
    auto part = number_part(text.substr(start, end - start));
    if (!part) {
      return fail("'" + shown + "': " + part.error().message);
    }
    // After a wildcard every part is one: "1.x.3" means 1.x.
    *parts[index] = wildcard ? std::nullopt : *part;
    wildcard = wildcard || !part->has_value();
    start = end + 1;
  }
  if (!partial.prerelease.empty() && !partial.patch) {
    return fail("'" + shown + "' has a pre-release without a full version");
  }
  return partial;
}

Comparator
bound(Op op, Version version)
{
  return { op, std::move(version) };
}

// The first version above every version the partial's given parts allow: 1 → 2.0.0,
// 1.2 → 1.3.0. Only for a partial with a major and without a patch.
Version
next_after(const Partial& partial)
{
  const auto major = partial.major.value_or(0);
  if (!partial.minor) {
    return { major + 1, 0, 0, {} };
  }
  return { major, *partial.minor + 1, 0, {} };
}

// A range that nothing satisfies.
std::vector<Comparator>
nothing()
{
  return { bound(Op::less, Version{}) };
}

// "1.2", "=1.2", "1.2.3": the versions the given parts allow.
std::vector<Comparator>
x_range(const Partial& partial)
{
  if (!partial.major) {
    return { bound(Op::greater_equal, Version{}) };
  }
  if (partial.patch) {
    return { bound(Op::equal, partial.lower()) };
  }
  return { bound(Op::greater_equal, partial.lower()), bound(Op::less, next_after(partial)) };
}

std::vector<Comparator>
tilde(const Partial& partial)
{
  if (!partial.major || !partial.minor) {
    return x_range(partial);
  }
  return { bound(Op::greater_equal, partial.lower()),
           bound(Op::less, Version{ *partial.major, *partial.minor + 1, 0, {} }) };
}

std::vector<Comparator>
caret(const Partial& partial)
{
  if (!partial.major || !partial.minor) {
    return x_range(partial);
  }
  const auto low = partial.lower();
  Version high;
  if (*partial.major > 0) {
    high = { *partial.major + 1, 0, 0, {} };
  } else if (*partial.minor > 0 || !partial.patch) {
    high = { 0, *partial.minor + 1, 0, {} };
  } else {
    high = { 0, 0, *partial.patch + 1, {} };
  }
  return { bound(Op::greater_equal, low), bound(Op::less, high) };
}

std::vector<Comparator>
compare(std::string_view op, const Partial& partial)
{
  const bool complete = partial.patch.has_value();
  if (op == ">") {
    if (!partial.major) {
      return nothing();
    }
    return { complete ? bound(Op::greater, partial.lower())
                      : bound(Op::greater_equal, next_after(partial)) };
  }
  if (op == ">=") {
    return { bound(Op::greater_equal, partial.lower()) };
  }
  if (op == "<") {
    return { bound(Op::less, partial.lower()) };
  }
  if (op == "<=") {
    if (!partial.major) {
      return { bound(Op::greater_equal, Version{}) };
    }
    return { complete ? bound(Op::less_equal, partial.lower())
                      : bound(Op::less, next_after(partial)) };
  }
  return x_range(partial);
}

Result<std::vector<Comparator>>
hyphen(std::string_view low_text, std::string_view high_text)
{
  auto low = parse_partial(low_text);
  if (!low) {
    return std::unexpected(low.error());
  }
  auto high = parse_partial(high_text);
  if (!high) {
    return std::unexpected(high.error());
  }
  std::vector<Comparator> set{ bound(Op::greater_equal, low->lower()) };
  if (high->patch) {
    set.push_back(bound(Op::less_equal, high->lower()));
  } else if (high->major) {
    set.push_back(bound(Op::less, next_after(*high)));
  }
  return set;
}

std::string_view
trim(std::string_view text)
{
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  return text;
}

// One conjunction: "1.2 - 2", or comparators separated by spaces (">= 1.2 <2").
Result<std::vector<Comparator>>
parse_set(std::string_view text)
{
  text = trim(text);
  if (const auto dash = text.find(" - "); dash != std::string_view::npos) {
    return hyphen(trim(text.substr(0, dash)), trim(text.substr(dash + 3)));
  }
  std::vector<Comparator> set;
  std::size_t at = 0;
  while (at < text.size()) {
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    const auto op_end = text.find_first_not_of("<>=~^", at);
    const auto op = text.substr(at, std::min(op_end, text.size()) - at);
    at += op.size();
    while (at < text.size() && text[at] == ' ') {
      ++at;
    }
    const auto word_end = std::min(text.find(' ', at), text.size());
    auto partial = parse_partial(text.substr(at, word_end - at));
    if (!partial) {
      return std::unexpected(partial.error());
    }
    at = word_end;
    std::vector<Comparator> added;
    if (op == "~" || op == "~>") {
      added = tilde(*partial);
    } else if (op == "^") {
      added = caret(*partial);
    } else if (op.empty() || op == "=" || op == ">" || op == ">=" || op == "<" || op == "<=") {
      added = compare(op, *partial);
    } else {
      return fail("'" + std::string(op) + "' is not a range operator");
    }
    set.insert(set.end(), added.begin(), added.end());
  }
  if (set.empty()) {
    set.push_back(bound(Op::greater_equal, Version{}));
  }
  return set;
}

bool
holds(const Comparator& comparator, const Version& version)
{
  const auto order = version <=> comparator.version;
  switch (comparator.op) {
    case Op::less:
      return order < 0;
    case Op::less_equal:
      return order <= 0;
    case Op::greater:
      return order > 0;
    case Op::greater_equal:
      return order >= 0;
    case Op::equal:
      return order == 0;
  }
  return false;
}

} // namespace

std::strong_ordering
Version::operator<=>(const Version& other) const
{
  if (const auto order =
        std::tie(major, minor, patch) <=> std::tie(other.major, other.minor, other.patch);
      order != 0) {
    return order;
  }
  if (prerelease.empty() || other.prerelease.empty()) {
    return prerelease.empty() <=> other.prerelease.empty();
  }
  return prerelease <=> other.prerelease;
}

std::optional<Version>
parse_version(std::string_view text)
{
  auto partial = parse_partial(text);
  if (!partial || !partial->patch) {
    return std::nullopt;
  }
  return partial->lower();
}

std::string
to_string(const Version& version)
{
  std::string text = std::to_string(version.major) + "." + std::to_string(version.minor) + "." +
                     std::to_string(version.patch);
  if (!version.prerelease.empty()) {
    text += "-" + version.prerelease;
  }
  return text;
}

Result<Range>
parse_range(std::string_view text)
{
  if (text.size() > k_max_range) {
    return fail("a version range of more than 256 characters");
  }
  const bool printable = std::ranges::all_of(text, [](char c) { return c >= ' ' && c <= '~'; });
  if (!printable) {
    return fail("a version range may only hold printable ASCII");
  }
  Range range;
  for (std::size_t start = 0; start <= text.size();) {
    const auto end = std::min(text.find("||", start), text.size());
    auto set = parse_set(text.substr(start, end - start));
    if (!set) {
      return std::unexpected(set.error());
    }
    range.sets.push_back(std::move(*set));
    start = end + 2;
  }
  return range;
}

bool
satisfies(const Version& version, const Range& range)
{
  if (!version.prerelease.empty()) {
    return false;
  }
  return std::ranges::any_of(range.sets, [&](const std::vector<Comparator>& set) {
    return std::ranges::all_of(set, [&](const Comparator& c) { return holds(c, version); });
  });
}

std::optional<Version>
highest_satisfying(const std::vector<Version>& versions, const Range& range)
{
  std::optional<Version> best;
  for (const auto& version : versions) {
    if (satisfies(version, range) && (!best || version > *best)) {
      best = version;
    }
  }
  return best;
}

} // namespace reactor::util::semver
