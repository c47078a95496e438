#pragma once

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
  // An entry a build holds. Destroying it records the entry's size (emptying it when it
  // alone is larger than the cache) and lets other builds have it.
  class Held
  {
  public:
    Held(Held&& other) noexcept;
    Held& operator=(Held&&) = delete;
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held();

    // What the entry's folders held when it was taken (0: nothing).
    std::uint64_t restored_bytes() const { return m_restored_bytes; }
    // Each folder of the entry and the folder of the checkout (relative to the app
    // folder, which holds it now) to bind it at, in the build's sandbox: the binds go
    // with the sandbox, however it ends.
    const std::vector<std::pair<std::filesystem::path, std::string>>& folders() const
    {
      return m_folders;
    }

  private:
    friend class BuildCache;
    Held() = default;

    BuildCache* m_cache = nullptr;
    std::filesystem::path m_entry;
    util::FileDescriptor m_lock;
    std::vector<std::pair<std::filesystem::path, std::string>> m_folders;
    std::uint64_t m_restored_bytes = 0;
  };

  BuildCache(std::filesystem::path root,
             std::uint64_t max_bytes,
             std::chrono::seconds max_age = std::chrono::hours(24 * 14));

  // Takes entry `key` for a build whose checkout has `folders` below `app_dir` (created
  // there when missing, to bind the entry's folders at), so that what the build writes
  // there goes straight into the entry. Fails saying why: another build holds the entry,
  // a folder of the checkout is a symbolic link or a file.
  util::Result<Held> take(const std::string& key,
                          const std::filesystem::path& app_dir,
                          const std::vector<std::string>& folders);

  // Removes the entries unused for longer than max_age, then the least recently used
  // until the cache fits (entries in use stay).
  gc::CacheTrim trim();

private:
  void release(Held& held);

  const std::filesystem::path m_root;
  const std::uint64_t m_max_bytes;
  const std::chrono::seconds m_max_age;
};

} // namespace reactor::builder
