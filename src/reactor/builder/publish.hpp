#pragma once

#include "reactor/builder/git.hpp"
#include "reactor/core/error.hpp"
#include "reactor/objects/manifest.hpp"
#include "reactor/objects/object_store.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

namespace reactor::builder {

struct OutputLimits
{
  std::uint64_t max_files = 50'000;
  std::uint64_t max_total_bytes = 2ULL << 30;
};

struct OutputFile
{
  std::string site_path; // "assets/app.js": relative, '/'-separated
  std::filesystem::path file;
  std::uint64_t size = 0;
};

// The regular files below `output_dir`, found without ever following a symbolic link:
// symlinks and special files are skipped and reported to `log`, and so are names that
// are not UTF-8. Fails, with a message for the user, when output_dir is itself a symlink
// or not a directory, or when the output exceeds the limits.
core::Result<std::vector<OutputFile>> collect_output(const std::filesystem::path& output_dir,
                                                     const LogFn& log,
                                                     const OutputLimits& limits = {});

struct PublishStats
{
  std::size_t files = 0;
  std::size_t uploaded = 0; // blobs that were not in the store yet
  std::uint64_t bytes = 0;
  std::unordered_set<std::string> written; // blobs this publish uploaded
};

// How long a blob already in the store counts as fresh enough to reuse; the garbage sweep's
// grace period must be at least twice this.
constexpr std::chrono::seconds k_default_blob_reuse_window{ 30 * 60 };

// Stores each file as blobs/<sha256> unless that blob was written within `reuse_window`,
// then writes the manifest of `deployment_id`, last. Fails (an infrastructure failure, worth a
// retry) when a file cannot be read or the store fails, or with "canceled" when `cancel` becomes
// true.
core::Result<PublishStats> publish_output(objects::ObjectStore& store,
                                          std::string_view deployment_id,
                                          const std::vector<OutputFile>& files,
                                          std::chrono::seconds reuse_window,
                                          const std::atomic<bool>* cancel = nullptr);

} // namespace reactor::builder
