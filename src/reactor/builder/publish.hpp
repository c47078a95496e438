#pragma once

#include "reactor/builder/git.hpp"
#include "reactor/objects/manifest.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/rules/site_rules.hpp"
#include "reactor/util/error.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <limits>
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

// What a build publishes: its files, and the rules of its _redirects and _headers.
struct BuildOutput
{
  std::vector<OutputFile> files;
  rules::SiteRules rules;
};

// The regular files below `output_dir`, found without ever following a symbolic link:
// symlinks and special files are skipped and reported to `log`, and so are names that
// are not UTF-8; and its _redirects and _headers, parsed, their problems reported to `log`
// (never fatal). Fails, the user's fault with a message saying what to fix, when output_dir
// is itself a symlink or not a directory, or when the output exceeds the limits; an
// infrastructure fault when it cannot be read.
util::Result<BuildOutput> collect_output(const std::filesystem::path& output_dir,
                                         const LogFn& log,
                                         const OutputLimits& limits = {});

struct PublishStats
{
  std::size_t files = 0;
  std::size_t uploaded = 0; // blobs that were not in the store yet
  std::uint64_t bytes = 0;
  std::unordered_set<std::string> written; // blobs this publish uploaded
  // Content whose brotli variant is left to finish_brotli: the manifest names its gzip
  // variant only, until then.
  std::vector<std::string> brotli_deferred;
};

// How long a blob already in the store counts as fresh enough to reuse; the garbage sweep's
// grace period must be at least twice this.
constexpr std::chrono::seconds k_default_blob_reuse_window{ 30 * 60 };

// Uploads at once: enough to hide the store's latency (an fsync per blob locally, a round
// trip on S3) without crowding the worker's machine.
constexpr std::size_t k_publish_threads = 8;

struct PublishLimits
{
  // The build's deadline: publishing counts against the same time limit as install and
  // build, whose description ("time limit (15 minutes)") the error repeats.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::string time_limit;
  std::size_t threads = k_publish_threads;
  // Text files this large or larger get their brotli variant after the deployment went
  // live (brotli at its best quality takes about 1.5 ms per KiB): see brotli_deferred.
  std::uint64_t defer_brotli_from = std::numeric_limits<std::uint64_t>::max();
};

// Where PublishLimits::defer_brotli_from is set when a BrotliFinisher takes the rest.
constexpr std::uint64_t k_defer_brotli_from = 16 * 1024;
// How long edges look for the deferred variants before they give up (a finisher that
// stopped with the process never adds them: the files are served with gzip).
constexpr std::chrono::minutes k_brotli_pending_for{ 10 };

enum class PublishFailure
{
  store,     // the store or a read failed: an infrastructure failure, worth a retry
  canceled,  // `cancel` became true
  over_time, // the deadline passed: the user's to fix, with a message saying how
};

struct PublishError
{
  PublishFailure kind = PublishFailure::store;
  std::string message;
};

// Stores each file as blobs/<sha256> unless that blob was written within `reuse_window`,
// `limits.threads` files at a time, then writes the manifest of `deployment_id`, with the
// rules, last. Fails, writing no manifest, when a file cannot be read or the store fails,
// when `cancel` becomes true or when `limits.deadline` passes.
std::expected<PublishStats, PublishError> publish_output(objects::ObjectStore& store,
                                                         std::string_view deployment_id,
                                                         const BuildOutput& output,
                                                         std::chrono::seconds reuse_window,
                                                         const std::atomic<bool>* cancel = nullptr,
                                                         const PublishLimits& limits = {});

} // namespace reactor::builder
