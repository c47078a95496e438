#include "reactor/builder/publish.hpp"

#include "reactor/builder/limits.hpp"
#include "reactor/builder/text.hpp"
#include "reactor/core/content_type.hpp"
#include "reactor/util/compress.hpp"
#include "reactor/util/sha256.hpp"
#include "reactor/util/text.hpp"
#include "reactor/util/units.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <semaphore>
#include <thread>

namespace reactor::builder {

namespace fs = std::filesystem;

namespace {

// The site's rule files parsed; their malformed lines go to the build log, never fatal.
template<typename Say>
rules::SiteRules
parse_rules(const std::vector<OutputFile>& files, const Say& say)
{
  const auto read = [&](std::string_view name) {
    const auto file = std::ranges::find(files, name, &OutputFile::site_path);
    if (file == files.end()) {
      return std::string();
    }
    std::ifstream input(file->file, std::ios::binary);
    return std::string{ std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>() };
  };
  rules::SiteRules site_rules{ rules::parse_redirects(read("_redirects")),
                               rules::parse_headers(read("_headers")) };
  for (const auto& [name, problems] : { std::pair{ "_redirects", &site_rules.redirects.problems },
                                        std::pair{ "_headers", &site_rules.headers.problems } }) {
    for (const auto& problem : *problems) {
      say("[reactor] " + std::string(name) + ": " + problem);
    }
  }
  return site_rules;
}

} // namespace

util::Result<BuildOutput>
collect_output(const fs::path& output_dir, const LogFn& log, const OutputLimits& limits)
{
  const auto say = [&](const std::string& line) {
    if (log) {
      log(line);
    }
  };
  std::error_code ec;
  const auto root_status = fs::symlink_status(output_dir, ec);
  if (ec || fs::is_symlink(root_status) || !fs::is_directory(root_status)) {
    return util::fail_user("The output directory " + output_dir.filename().string() +
                           "/ is not a real directory (a symbolic link or a file): the build "
                           "must write its files there");
  }

  std::vector<OutputFile> files;
  std::uint64_t total = 0;
  fs::recursive_directory_iterator it(output_dir, fs::directory_options::none, ec);
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    const auto relative = it->path().lexically_relative(output_dir).generic_string();
    const auto status = it->symlink_status(ec);
    if (ec) {
      return util::fail("cannot read " + relative + ": " + ec.message());
    }
    if (fs::is_symlink(status)) {
      say("[reactor] skipped symbolic link " + sanitize_line(relative));
      it.disable_recursion_pending();
      continue;
    }
    if (fs::is_directory(status)) {
      continue;
    }
    if (!fs::is_regular_file(status)) {
      say("[reactor] skipped special file " + sanitize_line(relative));
      continue;
    }
    if (!util::is_valid_utf8(relative) || sanitize_line(relative) != relative) {
      say("[reactor] skipped file with an unusable name " + sanitize_line(relative));
      continue;
    }
    const auto size = it->file_size(ec);
    if (ec) {
      return util::fail("cannot read " + relative + ": " + ec.message());
    }
    total += size;
    if (limits.max_files != 0 && files.size() >= limits.max_files) {
      return util::fail_user("The build output went over the output file limit (" +
                             std::to_string(limits.max_files) +
                             " files): publish fewer files, e.g. leave out source maps");
    }
    if (limits.max_total_bytes != 0 && total > limits.max_total_bytes) {
      return util::fail_user("The build output went over the output size limit (" +
                             util::format_size(limits.max_total_bytes) +
                             "): publish less, e.g. leave out source maps and large media");
    }
    files.push_back({ relative, it->path(), size });
  }
  // A folder that cannot be opened ends the iteration early, with `ec` set.
  if (ec) {
    return util::fail("cannot read the output directory: " + ec.message());
  }
  auto site_rules = parse_rules(files, say);
  return BuildOutput{ std::move(files), std::move(site_rules) };
}

namespace {

constexpr std::uint64_t k_min_compressed_size = 1024;
constexpr std::uint64_t k_max_compressed_size = 64ULL << 20;
constexpr std::uint64_t k_large_file_size = 8ULL << 20;
constexpr std::ptrdiff_t k_max_compressing = 64;

std::ptrdiff_t
compressing_threads()
{
  return std::clamp<std::ptrdiff_t>(std::thread::hardware_concurrency(), 1, k_max_compressing);
}

bool
is_compressible(std::string_view content_type)
{
  return content_type.starts_with("text/") ||
         content_type.find("javascript") != std::string_view::npos ||
         content_type.find("json") != std::string_view::npos ||
         content_type.find("xml") != std::string_view::npos ||
         content_type.starts_with("application/wasm") ||
         content_type.starts_with("application/manifest");
}

// What the upload threads share: which blobs one of them has taken on, and the counts.
struct Uploads
{
  std::mutex mutex;
  std::unordered_set<std::string> claimed; // stored, being stored, or found fresh
  PublishStats stats;
  std::mutex large_file; // held while a large file is in memory, to compress it
  // Compressing is CPU-bound: at most one file per core at a time, while the other upload
  // threads wait on the store.
  std::counting_semaphore<k_max_compressing> compressing{ compressing_threads() };
  std::uint64_t defer_brotli_from = std::numeric_limits<std::uint64_t>::max();
};

// Stores a blob under its hash unless the store has a copy written within `reuse_window`:
// an older copy is written again, so a garbage sweep that spares blobs younger than twice
// the window never deletes one this publish relies on. A blob another thread has claimed
// is left to it: the manifest is only written once every thread has succeeded.
template<typename Put>
util::Result<void>
store_blob(objects::ObjectStore& store,
           const std::string& hash,
           std::chrono::seconds reuse_window,
           Uploads& uploads,
           Put put)
{
  {
    const std::lock_guard lock(uploads.mutex);
    if (!uploads.claimed.insert(hash).second) {
      return {};
    }
  }
  auto present = store.stat(objects::blob_key(hash));
  if (!present) {
    return std::unexpected(std::move(present.error()));
  }
  if (const auto& stat = *present;
      stat && stat->modified >= std::chrono::system_clock::now() - reuse_window) {
    return {};
  }
  if (auto stored = put(); !stored) {
    return std::unexpected(std::move(stored.error()));
  }
  const std::lock_guard lock(uploads.mutex);
  ++uploads.stats.uploaded;
  uploads.stats.written.insert(hash);
  return {};
}

// Keeps a variant blob that a record names as the reuse window wants it, without
// compressing anything: a copy written longer ago is read and written again. False when
// it is gone (the file is compressed again).
util::Result<bool>
refresh_variant(objects::ObjectStore& store,
                const std::string& hash,
                std::chrono::seconds reuse_window,
                Uploads& uploads)
{
  bool gone = false;
  auto stored = store_blob(store, hash, reuse_window, uploads, [&]() -> util::Result<void> {
    auto bytes = store.get(objects::blob_key(hash));
    if (!bytes) {
      return std::unexpected(std::move(bytes.error()));
    }
    if (!*bytes) {
      gone = true;
      return {};
    }
    return store.put(objects::blob_key(hash), **bytes);
  });
  if (!stored) {
    return std::unexpected(std::move(stored.error()));
  }
  if (gone) {
    const std::lock_guard lock(uploads.mutex);
    uploads.claimed.erase(hash); // this thread stores it once compressed again
  }
  return !gone;
}

// Fills in `entry`'s variants from the record a publish of the same content left, and
// keeps them in the store; false when there is no usable record or a variant is gone.
util::Result<bool>
reuse_variants(objects::ObjectStore& store,
               objects::ManifestEntry& entry,
               std::chrono::seconds reuse_window,
               Uploads& uploads)
{
  auto record = store.get(objects::variants_key(entry.hash));
  if (!record) {
    return std::unexpected(std::move(record.error()));
  }
  const auto& text = *record;
  objects::ManifestEntry recorded;
  if (!text || !objects::read_variants_record(*text, recorded)) {
    return false;
  }
  for (const auto* variant : { &recorded.gzip, &recorded.br }) {
    if (variant->hash.empty()) {
      continue;
    }
    auto kept = refresh_variant(store, variant->hash, reuse_window, uploads);
    if (!kept || !*kept) {
      return kept;
    }
  }
  entry.gzip = recorded.gzip;
  entry.br = recorded.br;
  return true;
}

// Text files get gzip and brotli variants when they save space, so the edge never
// compresses on the request path. Content published before has them already: its
// record names them, and they are neither compressed nor uploaded again.
util::Result<void>
add_compressed_variants(objects::ObjectStore& store,
                        const OutputFile& file,
                        objects::ManifestEntry& entry,
                        std::chrono::seconds reuse_window,
                        Uploads& uploads)
{
  if (!is_compressible(entry.content_type) || file.size < k_min_compressed_size ||
      file.size > k_max_compressed_size) {
    return {};
  }
  auto reused = reuse_variants(store, entry, reuse_window, uploads);
  if (!reused || *reused) {
    return reused ? util::Result<void>{} : std::unexpected(std::move(reused.error()));
  }
  // One large file in memory at a time: eight at once could take a gigabyte.
  std::unique_lock<std::mutex> large;
  if (file.size > k_large_file_size) {
    large = std::unique_lock(uploads.large_file);
  }
  std::ifstream input(file.file, std::ios::binary);
  const std::string content{ std::istreambuf_iterator<char>(input),
                             std::istreambuf_iterator<char>() };
  if (!input && !input.eof()) {
    return util::fail("cannot read build output " + file.site_path);
  }
  const bool defer_brotli = file.size >= uploads.defer_brotli_from;
  if (defer_brotli) {
    const std::lock_guard lock(uploads.mutex);
    auto& deferred = uploads.stats.brotli_deferred;
    if (std::ranges::find(deferred, entry.hash) == deferred.end()) {
      deferred.push_back(entry.hash);
    }
  }
  for (const auto& [compress, variant] :
       { std::pair{ &util::gzip, &entry.gzip }, std::pair{ &util::brotli, &entry.br } }) {
    if (defer_brotli && variant == &entry.br) {
      continue;
    }
    uploads.compressing.acquire();
    auto compressed = (*compress)(content);
    uploads.compressing.release();
    if (!compressed || compressed->size() * 20 > content.size() * 19) {
      continue; // saves less than 5%: not worth a variant
    }
    const std::string hash = util::sha256_hex(*compressed);
    auto stored = store_blob(store, hash, reuse_window, uploads, [&] {
      return store.put(objects::blob_key(hash), *compressed);
    });
    if (!stored) {
      return stored;
    }
    *variant = objects::BlobRef{ hash, compressed->size() };
  }
  if (defer_brotli) {
    return {}; // a record is only written whole: finish_brotli writes this one
  }
  return store.put(objects::variants_key(entry.hash), objects::variants_record(entry));
}

// Stores one file and its variants; its manifest entry.
util::Result<objects::ManifestEntry>
publish_file(objects::ObjectStore& store,
             const OutputFile& file,
             std::chrono::seconds reuse_window,
             Uploads& uploads)
{
  auto hash = util::sha256_file_hex(file.file);
  if (!hash) {
    return util::fail("cannot read build output: " + hash.error().message);
  }
  auto stored = store_blob(store, *hash, reuse_window, uploads, [&] {
    return store.put_file(objects::blob_key(*hash), file.file);
  });
  if (!stored) {
    return std::unexpected(std::move(stored.error()));
  }
  objects::ManifestEntry entry{ *hash,
                                file.size,
                                std::string(core::content_type_for(file.site_path)) };
  if (auto variants = add_compressed_variants(store, file, entry, reuse_window, uploads);
      !variants) {
    return std::unexpected(std::move(variants.error()));
  }
  return entry;
}

std::string
over_time_message(const PublishLimits& limits, std::size_t published, std::size_t total)
{
  return "The output took too long to publish: the install, build and publish went over the " +
         (limits.time_limit.empty() ? std::string("time limit") : limits.time_limit) + " with " +
         std::to_string(published) + " of " + std::to_string(total) +
         " files published, and were stopped. Publish fewer files (bundle small ones "
         "together, leave out source maps) or make the build faster";
}

} // namespace

std::expected<PublishStats, PublishError>
publish_output(objects::ObjectStore& store,
               std::string_view deployment_id,
               const BuildOutput& output,
               std::chrono::seconds reuse_window,
               const std::atomic<bool>* cancel,
               const PublishLimits& limits)
{
  const std::vector<OutputFile>& files = output.files;
  Uploads uploads;
  uploads.defer_brotli_from = limits.defer_brotli_from;
  std::vector<objects::ManifestEntry> entries(files.size());
  std::atomic<std::size_t> next{ 0 };
  std::atomic<std::size_t> published{ 0 };
  std::atomic<bool> stop{ false };
  std::optional<PublishError> failure;
  const auto fail_with = [&](PublishFailure kind, std::string message) {
    const std::lock_guard lock(uploads.mutex);
    if (!failure) {
      failure = PublishError{ kind, std::move(message) };
    }
    stop.store(true);
  };
  const auto work = [&] {
    try {
      while (!stop.load()) {
        if (cancel != nullptr && cancel->load()) {
          fail_with(PublishFailure::canceled, "canceled");
          return;
        }
        if (std::chrono::steady_clock::now() >= limits.deadline) {
          fail_with(PublishFailure::over_time,
                    over_time_message(limits, published.load(), files.size()));
          return;
        }
        const std::size_t index = next.fetch_add(1);
        if (index >= files.size()) {
          return;
        }
        auto entry = publish_file(store, files[index], reuse_window, uploads);
        if (!entry) {
          fail_with(PublishFailure::store, std::move(entry.error().message));
          return;
        }
        entries[index] = std::move(*entry);
        published.fetch_add(1);
      }
    } catch (const std::exception& error) {
      fail_with(PublishFailure::store, std::string("cannot publish: ") + error.what());
    }
  };
  {
    const std::size_t threads = std::max<std::size_t>(1, std::min(limits.threads, files.size()));
    std::vector<std::jthread> helpers;
    for (std::size_t i = 1; i < threads; ++i) {
      helpers.emplace_back(work);
    }
    work();
  }
  if (failure) {
    return std::unexpected(std::move(*failure));
  }

  objects::Manifest manifest;
  manifest.deployment_id = std::string(deployment_id);
  manifest.rules = output.rules;
  for (std::size_t i = 0; i < files.size(); ++i) {
    ++uploads.stats.files;
    uploads.stats.bytes += files[i].size;
    manifest.files.insert_or_assign(files[i].site_path, std::move(entries[i]));
  }
  if (!uploads.stats.brotli_deferred.empty()) {
    manifest.brotli_pending_until_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
        (std::chrono::system_clock::now() + k_brotli_pending_for).time_since_epoch())
        .count();
  }
  if (auto stored = store.put(objects::manifest_key(deployment_id), objects::to_json(manifest));
      !stored) {
    return std::unexpected(
      PublishError{ PublishFailure::store, std::move(stored.error().message) });
  }
  return std::move(uploads.stats);
}

} // namespace reactor::builder
