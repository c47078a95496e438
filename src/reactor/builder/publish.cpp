#include "reactor/builder/publish.hpp"

#include "reactor/builder/limits.hpp"
#include "reactor/builder/text.hpp"
#include "reactor/core/content_type.hpp"
#include "reactor/edge/header_rules.hpp"
#include "reactor/edge/redirect_rules.hpp"
#include "reactor/util/compress.hpp"
#include "reactor/util/sha256.hpp"

#include <fstream>
#include <iterator>

namespace reactor::builder {

namespace fs = std::filesystem;

namespace {

// Malformed lines of _redirects and _headers go to the build log; they are never fatal.
template<typename Say>
void
report_rule_problems(const std::vector<OutputFile>& files, const Say& say)
{
  for (const auto& file : files) {
    if (file.site_path != "_redirects" && file.site_path != "_headers") {
      continue;
    }
    std::ifstream input(file.file, std::ios::binary);
    const std::string text{ std::istreambuf_iterator<char>(input),
                            std::istreambuf_iterator<char>() };
    const auto problems = file.site_path == "_redirects" ? edge::parse_redirects(text).problems
                                                         : edge::parse_headers(text).problems;
    for (const auto& problem : problems) {
      say("[reactor] " + file.site_path + ": " + problem);
    }
  }
}

} // namespace

core::Result<std::vector<OutputFile>>
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
    return core::fail("The output directory " + output_dir.filename().string() +
                      "/ is not a real directory (a symbolic link or a file): the build "
                      "must write its files there");
  }

  std::vector<OutputFile> files;
  std::uint64_t total = 0;
  fs::recursive_directory_iterator it(output_dir, fs::directory_options::none, ec);
  if (ec) {
    return core::fail("cannot read the output directory: " + ec.message());
  }
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      return core::fail("cannot read the output directory: " + ec.message());
    }
    const auto relative = it->path().lexically_relative(output_dir).generic_string();
    const auto status = it->symlink_status(ec);
    if (ec) {
      return core::fail("cannot read " + relative + ": " + ec.message());
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
    if (!is_valid_utf8(relative) || sanitize_line(relative) != relative) {
      say("[reactor] skipped file with an unusable name " + sanitize_line(relative));
      continue;
    }
    const auto size = it->file_size(ec);
    if (ec) {
      return core::fail("cannot read " + relative + ": " + ec.message());
    }
    total += size;
    if (limits.max_files != 0 && files.size() >= limits.max_files) {
      return core::fail("The build output went over the output file limit (" +
                        std::to_string(limits.max_files) +
                        " files): publish fewer files, e.g. leave out source maps");
    }
    if (limits.max_total_bytes != 0 && total > limits.max_total_bytes) {
      return core::fail("The build output went over the output size limit (" +
                        format_size(limits.max_total_bytes) +
                        "): publish less, e.g. leave out source maps and large media");
    }
    files.push_back({ relative, it->path(), size });
  }
  report_rule_problems(files, say);
  return files;
}

namespace {

constexpr std::uint64_t k_min_compressed_size = 1024;
constexpr std::uint64_t k_max_compressed_size = 64ULL << 20;

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

// Stores a blob under its hash unless the store has a copy written within `reuse_window`:
// an older copy is written again, so a garbage sweep that spares blobs younger than twice
// the window never deletes one this publish relies on.
template<typename Put>
core::Result<void>
store_blob(objects::ObjectStore& store,
           const std::string& hash,
           std::chrono::seconds reuse_window,
           PublishStats& stats,
           Put put)
{
  if (stats.written.contains(hash)) {
    return {};
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
  ++stats.uploaded;
  stats.written.insert(hash);
  return {};
}

// Text files get gzip and brotli variants when they save space, so the edge never
// compresses on the request path.
core::Result<void>
add_compressed_variants(objects::ObjectStore& store,
                        const OutputFile& file,
                        objects::ManifestEntry& entry,
                        std::chrono::seconds reuse_window,
                        PublishStats& stats)
{
  if (!is_compressible(entry.content_type) || file.size < k_min_compressed_size ||
      file.size > k_max_compressed_size) {
    return {};
  }
  std::ifstream input(file.file, std::ios::binary);
  const std::string content{ std::istreambuf_iterator<char>(input),
                             std::istreambuf_iterator<char>() };
  if (!input && !input.eof()) {
    return core::fail("cannot read build output " + file.site_path);
  }
  for (const auto& [compress, variant] :
       { std::pair{ &util::gzip, &entry.gzip }, std::pair{ &util::brotli, &entry.br } }) {
    auto compressed = (*compress)(content);
    if (!compressed || compressed->size() * 20 > content.size() * 19) {
      continue; // saves less than 5%: not worth a variant
    }
    const std::string hash = util::sha256_hex(*compressed);
    auto stored = store_blob(store, hash, reuse_window, stats, [&] {
      return store.put(objects::blob_key(hash), *compressed);
    });
    if (!stored) {
      return stored;
    }
    *variant = objects::BlobRef{ hash, compressed->size() };
  }
  return {};
}

} // namespace

core::Result<PublishStats>
publish_output(objects::ObjectStore& store,
               std::string_view deployment_id,
               const std::vector<OutputFile>& files,
               std::chrono::seconds reuse_window,
               const std::atomic<bool>* cancel)
{
  PublishStats stats;
  objects::Manifest manifest;
  manifest.deployment_id = std::string(deployment_id);
  for (const auto& file : files) {
    if (cancel != nullptr && cancel->load()) {
      return core::fail("canceled");
    }
    auto hash = util::sha256_file_hex(file.file);
    if (!hash) {
      return core::fail("cannot read build output: " + hash.error());
    }
    auto stored = store_blob(store, *hash, reuse_window, stats, [&] {
      return store.put_file(objects::blob_key(*hash), file.file);
    });
    if (!stored) {
      return std::unexpected(std::move(stored.error()));
    }
    ++stats.files;
    stats.bytes += file.size;
    objects::ManifestEntry entry{ *hash,
                                  file.size,
                                  std::string(core::content_type_for(file.site_path)) };
    if (auto variants = add_compressed_variants(store, file, entry, reuse_window, stats);
        !variants) {
      return std::unexpected(std::move(variants.error()));
    }
    manifest.files.insert_or_assign(file.site_path, std::move(entry));
  }
  if (auto stored = store.put(objects::manifest_key(deployment_id), objects::to_json(manifest));
      !stored) {
    return std::unexpected(std::move(stored.error()));
  }
  return stats;
}

} // namespace reactor::builder
