#pragma once

#include "reactor/util/error.hpp"
#include "reactor/util/semver.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder {

// Where toolchains come from (the sandbox's corepack uses the same registry).
constexpr std::string_view k_npm_registry = "https://registry.npmjs.org";

// One published version of a package, as the registry's abbreviated metadata lists it.
struct PackageVersion
{
  util::semver::Version version;
  std::string tarball;      // the .tgz's URL
  std::string integrity;    // "sha512-<base64>"
  std::string engines_node; // its engines.node range; empty when it names none
};

// The versions in a package's abbreviated metadata (application/vnd.npm.install-v1+json);
// versions that are not semver or have no sha512 integrity are left out. Fails when the
// text is not such a document.
util::Result<std::vector<PackageVersion>> parse_package_versions(std::string_view json);

// Fetches and parses a package's abbreviated metadata from `registry`. Fails (an
// infrastructure failure) when the registry cannot be reached or answers anything but 200.
util::Result<std::vector<PackageVersion>> fetch_package_versions(std::string_view registry,
                                                                 std::string_view name,
                                                                 std::chrono::seconds timeout);

// Downloads `version`'s tarball to `file` and checks it against its integrity. Fails, with
// nothing left at `file`, when the download fails, passes `max_bytes`, or does not match.
util::Result<void> download_tarball(const PackageVersion& version,
                                    const std::filesystem::path& file,
                                    std::uint64_t max_bytes,
                                    std::chrono::seconds timeout);

} // namespace reactor::builder
