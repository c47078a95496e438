#include "reactor/builder/build_cache.hpp"

#include "reactor/builder/cache_entries.hpp"
#include "reactor/builder/file_tree.hpp"
#include "reactor/util/sha256.hpp"

#include <fcntl.h>
#include <sys/file.h>

namespace reactor::builder {

namespace fs = std::filesystem;

namespace {

// Where an entry keeps the folder at `relative`: one path component ("node_modules/.cache"
// is "node_modules%2F.cache").
std::string
stored_name(std::string_view relative)
{
  std::string name;
  for (const char c : relative) {
    name += c == '/' ? std::string("%2F") : std::string(1, c);
  }
  return name;
}

// The entry's lock, taken without waiting; an invalid descriptor when another build holds it.
util::FileDescriptor
try_lock(const fs::path& entry)
{
  util::FileDescriptor lock(::open((entry / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock.get() >= 0 && ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    lock.reset();
  }
  return lock;
}

} // namespace

std::string
build_cache_key(std::string_view repository, std::string_view app_dir)
{
  return util::sha256_hex(std::to_string(repository.size()) + ":" + std::string(repository) + "\n" +
                          std::string(app_dir));
}

std::vector<std::string>
build_cache_folders(std::string_view framework)
{
  std::vector<std::string> folders{ "node_modules/.cache" };
  if (framework == "nextjs") {
    folders.emplace_back(".next/cache");
  }
  return folders;
}

BuildCache::Held::Held(Held&& other) noexcept
  : m_cache(std::exchange(other.m_cache, nullptr))
  , m_entry(std::move(other.m_entry))
  , m_lock(std::move(other.m_lock))
  , m_folders(std::move(other.m_folders))
  , m_restored_bytes(other.m_restored_bytes)
{
}

BuildCache::Held::~Held()
{
  if (m_cache != nullptr) {
    m_cache->release(*this);
  }
}

BuildCache::BuildCache(fs::path root, std::uint64_t max_bytes, std::chrono::seconds max_age)
  : m_root(std::move(root))
  , m_max_bytes(max_bytes)
  , m_max_age(max_age)
{
  prepare_cache_root(m_root);
}

util::Result<BuildCache::Held>
BuildCache::take(const std::string& key,
                 const fs::path& app_dir,
                 const std::vector<std::string>& folders)
{
  const auto entry = m_root / key;
  std::error_code ec;
  fs::create_directories(entry, ec);
  if (ec) {
    return util::fail("cannot create " + entry.string() + ": " + ec.message());
  }
  Held held;
  held.m_lock = try_lock(entry);
  if (held.m_lock.get() < 0) {
    return util::fail("another build of this repository is using it");
  }
  held.m_cache = this;
  held.m_entry = entry;
  held.m_restored_bytes = recorded_size(entry);
  for (const auto& relative : folders) {
    const auto stored = entry / stored_name(relative);
    fs::create_directories(stored, ec);
    if (auto target = directory_inside(app_dir, relative, Missing::create); ec || !target) {
      return util::fail(ec ? "cannot create " + stored.string() + ": " + ec.message()
                           : target.error().message);
    }
    held.m_folders.emplace_back(stored, relative);
  }
  mark_used(entry);
  return held;
}

void
BuildCache::release(Held& held)
{
  // What the folders hold; 0 when they are empty, whatever their own inodes take.
  std::uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& folder : fs::directory_iterator(held.m_entry, ec)) {
    if (folder.is_directory() && !fs::is_empty(folder.path(), ec)) {
      bytes += allocated_bytes(folder.path(), m_max_bytes);
    }
  }
  if (bytes > m_max_bytes) {
    // Larger than the whole cache: the next build starts from nothing rather than never.
    for (const auto& folder : fs::directory_iterator(held.m_entry, ec)) {
      if (folder.is_directory()) {
        remove_tree(folder.path());
      }
    }
    bytes = 0;
  }
  static_cast<void>(record_size(held.m_entry, bytes)); // unrecorded reads as empty
  held.m_lock.reset();
  static_cast<void>(trim());
}

gc::CacheTrim
BuildCache::trim()
{
  // An entry a build holds stays; one taken here stays locked until it is gone, so no
  // build can take it meanwhile.
  std::vector<util::FileDescriptor> taken;
  return evict_entries(
    m_root,
    m_max_bytes,
    m_max_age,
    [](const fs::path& /*entry*/) { return true; },
    [&taken](const fs::path& entry) {
      auto lock = try_lock(entry);
      if (lock.get() < 0) {
        return true;
      }
      taken.push_back(std::move(lock));
      return false;
    });
}

} // namespace reactor::builder
