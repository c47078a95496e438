#include "reactor/builder/cache_entries.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/core/deployment.hpp"

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <vector>

namespace reactor::builder {

namespace fs = std::filesystem;

void
prepare_cache_root(const fs::path& root, std::string_view staging_prefix)
{
  std::error_code ec;
  fs::create_directories(root, ec);
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const auto name = entry.path().filename().string();
    if (name.starts_with(k_trash_prefix) ||
        (!staging_prefix.empty() && name.starts_with(staging_prefix))) {
      remove_tree(entry.path());
    }
  }
}

bool
record_size(const fs::path& entry, std::uint64_t bytes)
{
  std::ofstream out(entry / "size", std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  return static_cast<bool>(out);
}

std::uint64_t
recorded_size(const fs::path& entry)
{
  return std::strtoull(read_text(entry / "size").c_str(), nullptr, 10);
}

void
mark_used(const fs::path& entry)
{
  const auto used = entry / "used";
  std::ofstream(used, std::ios::app).close();
  ::utimensat(AT_FDCWD, used.c_str(), nullptr, 0);
}

void
discard_entry(const fs::path& root, const fs::path& entry)
{
  const auto trash = root / (std::string(k_trash_prefix) + core::new_deployment_id());
  std::error_code ec;
  fs::rename(entry, trash, ec);
  remove_tree(ec ? entry : trash);
}

gc::CacheTrim
evict_entries(const fs::path& root,
              std::uint64_t max_bytes,
              std::chrono::seconds max_age,
              const std::function<bool(const fs::path&)>& is_entry,
              const std::function<bool(const fs::path&)>& in_use)
{
  struct Entry
  {
    fs::path path;
    std::uint64_t bytes;
    fs::file_time_type used;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.path().filename().string().starts_with(k_trash_prefix) || !is_entry(entry.path())) {
      continue;
    }
    const auto bytes = recorded_size(entry.path());
    entries.push_back({ entry.path(), bytes, fs::last_write_time(entry.path() / "used", ec) });
    total += bytes;
  }
  std::ranges::sort(entries, [](const Entry& a, const Entry& b) { return a.used < b.used; });
  const auto stale_before = fs::file_time_type::clock::now() - max_age;
  gc::CacheTrim trimmed;
  for (const auto& entry : entries) {
    if (total <= max_bytes && entry.used >= stale_before) {
      break;
    }
    if (in_use(entry.path)) {
      continue;
    }
    discard_entry(root, entry.path);
    total -= entry.bytes;
    ++trimmed.entries;
    trimmed.bytes += entry.bytes;
  }
  return trimmed;
}

} // namespace reactor::builder
