#pragma once

#include "reactor/builder/overlay.hpp"
#include "reactor/gc/cache_trim.hpp"
#include "reactor/util/error.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace reactor::builder {

// Everything an install's result depends on, as far as the cache is concerned.
struct CacheKeyInput
{
  std::string repository;      // entries are never shared between repositories
  std::string lockfile_sha256; // of the lockfile's content
  std::string package_manager; // "pnpm@8.15.9"
  std::string node_version;
  std::string install_dir;      // relative to the checkout
  std::string install_command;  // as run
  std::vector<std::string> env; // "NAME=value" given to the install
};

// The entry name for `input`: a SHA-256 over all of its fields, unambiguous however the
// fields are split.
std::string dependency_cache_key(const CacheKeyInput& input);

// What an install leaves in `install_dir` that the cache keeps, relative to it: every
// node_modules folder (not those inside another) and Yarn's Plug'n'Play files. Never
// follows a symbolic link.
std::vector<std::string> install_outputs(const std::filesystem::path& install_dir);

// The first package.json below `install_dir` other than its own (workspace packages,
// never inside node_modules) with an install-time script, relative to install_dir; empty
// when there is none. Skipping the install would skip those scripts, so such projects are
// not cached.
std::string workspace_install_script(const std::filesystem::path& install_dir);

// Installed dependencies on the worker's disk, one folder per key under `root`, at most
// `max_bytes` in all: the least recently used entries go first, and entries unused for
// `max_age` go at the next trim. An entry is written once, from a successful install, and
// only ever shown read-only through an overlay or copied out, so no build can change what
// another build restores. Safe to use from several threads.
class DependencyCache
{
  struct Pin;

public:
  // An entry restored into a checkout. While it lives the entry is never evicted and its
  // overlays stay mounted; destroying it unmounts them.
  class Restored
  {
  public:
    Restored(Restored&&) noexcept;
    Restored& operator=(Restored&&) noexcept;
    Restored(const Restored&) = delete;
    Restored& operator=(const Restored&) = delete;
    ~Restored();

    // Empty when every folder is shown through an overlay; otherwise why they were copied.
    const std::string& copied_because() const { return m_copied_because; }

  private:
    friend class DependencyCache;
    Restored();

    std::unique_ptr<Pin> m_pin;      // released last,
    std::vector<Overlay> m_overlays; // after these are unmounted
    std::string m_copied_because;
  };

  DependencyCache(std::filesystem::path root,
                  std::uint64_t max_bytes,
                  std::chrono::seconds max_age = std::chrono::hours(24 * 14));

  // Puts the entry's folders and files into `install_dir` (none of them may exist there
  // yet): each folder through an overlay whose writes go below `scratch` (a folder of the
  // workspace that does not exist yet), which takes no time whatever its size; a copy
  // when an overlay cannot be mounted (not root, no overlayfs), and for files. nullopt
  // when there is no entry. On failure leaves `install_dir` as it was.
  util::Result<std::optional<Restored>> restore(const std::string& key,
                                                const std::filesystem::path& install_dir,
                                                const std::filesystem::path& scratch);

  // What store() did.
  struct Saved
  {
    std::uint64_t bytes = 0; // 0 when nothing was saved
    // Set when the outputs were moved into the entry: they are shown back in place.
    std::optional<Restored> shown;
  };

  // Saves the install outputs of `install_dir` as entry `key` (unless it exists), then
  // evicts least recently used entries until the cache fits. The outputs are moved into
  // the entry, which takes no time whatever their size, and shown back in place as
  // restore() shows them (writes go below `scratch`), so the build that follows cannot
  // change what the entry keeps. A cache on another filesystem gets a copy instead.
  // Nothing is saved when the outputs alone are larger than the cache.
  util::Result<Saved> store(const std::string& key,
                            const std::filesystem::path& install_dir,
                            const std::filesystem::path& scratch);

  // The bytes the entries hold.
  std::uint64_t size();

  // Removes the entries unused for longer than max_age, then the least recently used
  // until the cache fits (entries being restored stay).
  gc::CacheTrim trim();

private:
  // Shows the pinned `entry` in `install_dir`, as restore() describes.
  util::Result<Restored> show(const std::filesystem::path& entry,
                              std::unique_ptr<Pin> pin,
                              const std::filesystem::path& install_dir,
                              const std::filesystem::path& scratch);
  gc::CacheTrim evict();

  const std::filesystem::path m_root;
  const std::uint64_t m_max_bytes;
  const std::chrono::seconds m_max_age;
  std::mutex m_mutex;
  std::map<std::string, int> m_pins; // entries being restored: never evicted meanwhile
};

} // namespace reactor::builder
