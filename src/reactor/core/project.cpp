#include "reactor/core/project.hpp"

#include "reactor/util/sha256.hpp"

#include <algorithm>
#include <array>

namespace reactor::core {

namespace {

constexpr std::size_t k_max_name = 32;
constexpr std::size_t k_max_label = 63;
constexpr std::size_t k_hash_digits = 6;

// Names that would shadow a service a domain usually has, or Reactor's own.
constexpr std::array<std::string_view, 12> k_reserved{ "www",       "api",    "admin",  "app",
                                                       "mail",      "ftp",    "ns1",    "ns2",
                                                       "localhost", "status", "static", "reactor" };

bool
is_lower_alnum(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

} // namespace

util::Result<void>
check_project_name(std::string_view name)
{
  const std::string rule = "a project name is 1 to 32 lowercase letters, digits and single "
                           "hyphens, starting and ending with a letter or digit";
  const bool shaped =
    !name.empty() && name.size() <= k_max_name &&
    std::ranges::all_of(name, [](char c) { return is_lower_alnum(c) || c == '-'; }) &&
    name.front() != '-' && name.back() != '-';
  if (!shaped) {
    return util::fail_user("'" + std::string(name) + "' is not a valid project name: " + rule);
  }
  if (name.find("--") != std::string_view::npos) {
    return util::fail_user("'" + std::string(name) +
                           "' is not a valid project name: '--' separates a project from a branch "
                           "in hostnames, so a name cannot contain it");
  }
  if (std::ranges::find(k_reserved, name) != k_reserved.end()) {
    return util::fail_user("'" + std::string(name) + "' is reserved; choose another project name");
  }
  if (is_deployment_id(name)) {
    return util::fail_user("'" + std::string(name) +
                           "' has the shape of a deployment id (10 letters and digits), whose "
                           "hostname it would take; choose another project name");
  }
  return {};
}

bool
is_tag_ref(std::string_view branch)
{
  return branch.starts_with(k_tag_ref_prefix);
}

std::string
branch_label(std::string_view project, std::string_view branch)
{
  const std::string name = is_tag_ref(branch)
                             ? "tag-" + std::string(branch.substr(k_tag_ref_prefix.size()))
                             : std::string(branch);
  std::string slug;
  for (const char c : name) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (is_lower_alnum(lower)) {
      slug += lower;
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') {
    slug.pop_back();
  }
  // Only a branch that already was its own slug maps to it without a hash.
  const bool lossy = slug != name;
  const std::string prefix = std::string(project) + "--";
  if (!lossy && prefix.size() + slug.size() <= k_max_label) {
    return prefix + slug;
  }
  const std::string suffix = "-" + util::sha256_hex(branch).substr(0, k_hash_digits);
  const std::size_t room = k_max_label - prefix.size() - suffix.size();
  slug.resize(std::min(slug.size(), room));
  while (!slug.empty() && slug.back() == '-') {
    slug.pop_back();
  }
  return prefix + slug + suffix;
}

bool
is_production_branch(const Project& project, std::string_view branch)
{
  return branch.empty() || branch == project.production_branch;
}

std::string_view
to_string(Protection protection)
{
  switch (protection) {
    case Protection::previews:
      return "previews";
    case Protection::all:
      return "all";
    case Protection::off:
      break;
  }
  return "off";
}

std::optional<Protection>
parse_protection(std::string_view text)
{
  for (const auto protection : { Protection::off, Protection::previews, Protection::all }) {
    if (to_string(protection) == text) {
      return protection;
    }
  }
  return std::nullopt;
}

std::string
pull_request_label(std::string_view project, int number)
{
  return std::string(project) + "--pr-" + std::to_string(number);
}

std::string_view
label_project(std::string_view label)
{
  return label.substr(0, label.find("--"));
}

bool
is_protected(Protection protection, std::string_view project, std::string_view label)
{
  return protection == Protection::all || (protection == Protection::previews && label != project);
}

bool
is_production_deployment(const Project& project, const Deployment& deployment)
{
  return deployment.pull_request == 0 && !is_tag_ref(deployment.branch) &&
         is_production_branch(project, deployment.branch);
}

} // namespace reactor::core
