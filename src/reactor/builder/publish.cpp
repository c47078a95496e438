#include "reactor/builder/publish.hpp"

#include "reactor/builder/text.hpp"
#include "reactor/core/content_type.hpp"
#include "reactor/util/sha256.hpp"

namespace reactor::builder {

namespace fs = std::filesystem;

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
    if (files.size() >= limits.max_files) {
      return core::fail("The build output has more than " + std::to_string(limits.max_files) +
                        " files: that is over the limit");
    }
    if (total > limits.max_total_bytes) {
      return core::fail("The build output is larger than " +
                        std::to_string(limits.max_total_bytes / (1024 * 1024)) +
                        " MiB: that is over the limit");
    }
    files.push_back({ relative, it->path(), size });
  }
  return files;
}

core::Result<PublishStats>
publish_output(objects::ObjectStore& store,
               std::string_view deployment_id,
               const std::vector<OutputFile>& files,
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
    const auto key = objects::blob_key(*hash);
    auto present = store.exists(key);
    if (!present) {
      return std::unexpected(std::move(present.error()));
    }
    if (!*present) {
      if (auto stored = store.put_file(key, file.file); !stored) {
        return std::unexpected(std::move(stored.error()));
      }
      ++stats.uploaded;
    }
    ++stats.files;
    stats.bytes += file.size;
    manifest.files.insert_or_assign(
      file.site_path,
      objects::ManifestEntry{
        *hash, file.size, std::string(core::content_type_for(file.site_path)) });
  }
  if (auto stored = store.put(objects::manifest_key(deployment_id), objects::to_json(manifest));
      !stored) {
    return std::unexpected(std::move(stored.error()));
  }
  return stats;
}

} // namespace reactor::builder
