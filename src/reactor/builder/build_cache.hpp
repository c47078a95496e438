#pragma once

#include "reactor/builder/overlay.hpp"
#include "reactor/gc/cache_trim.hpp"
#include "reactor/util/error.hpp"
#include "reactor/util/file_descriptor.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder {

// The entry name for a repository's app folder: a SHA-256 over both.
std::string build_cache_key(std::string_view repository, std::string_view app_dir);

// The folders a build writes to make its next run faster, relative to the app folder:
// node_modules/.cache (Babel's, ESLint's and webpack's caches, as Create React App and
// many others keep them) and, for Next.js, .next/cache.
std::vector<std::string> build_cache_folders(std::string_view framework);

// What builds leave in those folders, kept on the worker's disk between builds of the
// same repository and app folder (as Vercel and Netlify keep them), one folder per key
// under `root`, at most `max_bytes` in all: the least recently used entries go first, and
// entries unused for `max_age` go at the next trim. Unlike a dependency cache entry, an
// entry changes with every build that uses it, so one build at a time holds it. Safe to
// use from several threads and processes.
class BuildCache
{
public:
  // An entry shown in a checkout. Destroying it unmounts the folders, records the entry's
  // size (emptying it when it alone is larger than the cache) and lets other builds have it.
  class Mounted
  {
  public:
    Mounted(Mounted&& other) noexcept;
    Mounted& operator=(Mounted&&) = delete;
    Mounted(const Mounted&) = delete;
    Mounted& operator=(const Mounted&) = delete;
    ~Mounted();

    // What the entry's folders held when it was mounted (0: nothing).
    std::uint64_t restored_bytes() const { return m_restored_bytes; }

  private:
    friend class BuildCache;
    Mounted() = default;

    BuildCache* m_cache = nullptr;
    std::filesystem::path m_entry;
    util::FileDescriptor m_lock;     // released last,
    std::vector<BindMount> m_mounts; // after these are unmounted
    std::uint64_t m_restored_bytes = 0;
  };

  BuildCache(std::filesystem::path root,
             std::uint64_t max_bytes,
             std::chrono::seconds max_age = std::chrono::hours(24 * 14));

  // Shows entry `key`'s folders at `folders` below `app_dir` (created there when missing)
  // through bind mounts, so that what the build writes there goes straight into the
  // entry. Fails saying why: another build holds the entry, a folder of the checkout is a
  // symbolic link or a file, a mount failed (not root).
  util::Result<Mounted> mount(const std::string& key,
                              const std::filesystem::path& app_dir,
                              const std::vector<std::string>& folders);

  // Removes the entries unused for longer than max_age, then the least recently used
  // until the cache fits (entries in use stay).
  gc::CacheTrim trim();

private:
  void release(Mounted& mounted);

  const std::filesystem::path m_root;
  const std::uint64_t m_max_bytes;
  const std::chrono::seconds m_max_age;
};

} // namespace reactor::builder
