#include "reactor/edge/site_cache.hpp"

#include "reactor/util/log.hpp"
#include "reactor/util/sha256.hpp"

#include <sys/stat.h>
#include <unordered_map>
#include <vector>

namespace reactor::edge {

struct CachedFile
{
  std::shared_ptr<const PreparedFile> file;
  std::size_t bytes = 0; // counted against the budget
  // Set on each use, cleared as the eviction sweep passes: a file still clear when the
  // sweep comes round again was not used for a whole round, and goes.
  mutable std::atomic<bool> used{ true };
};

namespace {

// The file, marked used; the pointer keeps its entry alive with it.
std::shared_ptr<const PreparedFile>
mark_used(const std::shared_ptr<const CachedFile>& cached)
{
  if (!cached->used.load(std::memory_order_relaxed)) {
    cached->used.store(true, std::memory_order_relaxed); // once a round, not per request
  }
  return { cached, cached->file.get() };
}

// Per-thread copies of what the shared maps hold; bounded so a thread that has served
// many sites does not keep them all alive.
constexpr std::size_t k_thread_cache_entries = 4096;
constexpr std::uint64_t k_sendfile_threshold = 64 * 1024;
// What a file sent from an open descriptor counts against the budget, so the budget also
// bounds the descriptors kept open: 4,096 at the default 256 MiB.
constexpr std::size_t k_descriptor_cost = 64 * 1024;

std::int64_t
steady_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

template<typename Key, typename Value>
void
remember(std::unordered_map<Key, Value>& cache, const Key& key, const Value& value)
{
  if (cache.size() >= k_thread_cache_entries) {
    cache.clear();
  }
  cache.emplace(key, value);
}

std::uintptr_t
file_key(const objects::ManifestEntry& entry, unsigned status)
{
  // Entries live in immutable sites, so their address names them; bit 0 is free.
  return reinterpret_cast<std::uintptr_t>(&entry) | (status == 404 ? 1U : 0U);
}

std::atomic<std::uint64_t> g_instances{ 0 };

struct ThreadCache
{
  std::uint64_t owner = 0;
  std::uint64_t generation = 0;
  std::uint64_t evictions = 0;
  std::unordered_map<std::string, std::shared_ptr<const Site>> sites;
  std::unordered_map<std::uintptr_t, std::shared_ptr<const CachedFile>> files;
};

ThreadCache&
thread_cache(std::uint64_t owner, std::uint64_t generation, std::uint64_t evictions)
{
  thread_local ThreadCache cache;
  if (cache.owner != owner || cache.generation != generation || cache.evictions != evictions) {
    cache = ThreadCache{ owner, generation, evictions, {}, {} };
  }
  return cache;
}

// What the file costs the budget: its bodies in memory, and its open descriptor.
std::size_t
budget_bytes(const PreparedFile& file)
{
  std::size_t bytes = 0;
  for (const auto& variant : file.variants) {
    bytes += variant.body ? variant.body->size() : 0;
    bytes += variant.file ? k_descriptor_cost : 0;
  }
  return bytes;
}

// Checks an open blob's size (fstat) and, up to k_max_hashed_descriptor bytes, its hash;
// nullopt when it matches.
std::optional<BlobMismatch>
check_descriptor(const objects::BlobRef& blob, int fd)
{
  struct stat info{};
  if (::fstat(fd, &info) != 0 || static_cast<std::uint64_t>(info.st_size) != blob.size) {
    return BlobMismatch{ static_cast<std::uint64_t>(info.st_size), {} };
  }
  if (blob.size > k_max_hashed_descriptor) {
    return std::nullopt;
  }
  auto hash = util::sha256_descriptor_hex(fd);
  if (hash && *hash != blob.hash) {
    return BlobMismatch{ blob.size, std::move(*hash) };
  }
  return std::nullopt;
}

LoadError
store_failure(util::Error error)
{
  return LoadError{ false, std::move(error.message) };
}

// Logs a blob that does not match its manifest entry; the error that makes it a 502.
LoadError
corrupt_blob(std::string_view deployment_id,
             std::string_view path,
             const objects::BlobRef& blob,
             const BlobMismatch& mismatch)
{
  util::log::error("edge.blob_corrupt",
                   { { "id", deployment_id },
                     { "path", path },
                     { "blob", blob.hash },
                     { "expected_size", blob.size },
                     { "found_size", mismatch.found_size },
                     { "found_hash", mismatch.found_hash } });
  return LoadError{ true,
                    "blob " + blob.hash + " of " + std::string(path) +
                      " does not match the manifest (" + std::to_string(blob.size) +
                      " bytes expected, " + std::to_string(mismatch.found_size) + " found" +
                      (mismatch.found_hash.empty() ? "" : ", other content") + ")" };
}

} // namespace

std::optional<BlobMismatch>
check_blob(const objects::BlobRef& blob, std::uint64_t size, const std::string* bytes)
{
  if (size != blob.size) {
    return BlobMismatch{ size, {} };
  }
  if (bytes != nullptr) {
    if (auto hash = util::sha256_hex(*bytes); hash != blob.hash) {
      return BlobMismatch{ size, std::move(hash) };
    }
  }
  return std::nullopt;
}

SiteCache::SiteCache(store::MetadataStore& store,
                     objects::ObjectStore& objects,
                     std::size_t max_bytes)
  : m_store(store)
  , m_objects(objects)
  , m_max_bytes(max_bytes)
  , m_instance(g_instances.fetch_add(1) + 1)
{
}

std::shared_ptr<const Site>
SiteCache::any_cached_site(std::string_view id) const
{
  auto& local = thread_cache(m_instance,
                             m_generation.load(std::memory_order_acquire),
                             m_evictions.load(std::memory_order_acquire));
  if (const auto found = local.sites.find(std::string(id)); found != local.sites.end()) {
    return found->second;
  }
  std::shared_lock lock(m_mutex);
  const auto found = m_sites.find(id);
  if (found == m_sites.end()) {
    return nullptr;
  }
  remember(local.sites, std::string(id), found->second);
  return found->second;
}

std::shared_ptr<const Site>
SiteCache::cached_site(std::string_view id) const
{
  auto site = any_cached_site(id);
  if (site && site->recheck_at_ms.load(std::memory_order_relaxed) != 0 &&
      steady_ms() >= site->recheck_at_ms.load(std::memory_order_relaxed) &&
      store::wall_clock_ms() < site->manifest.brotli_pending_until_ms) {
    return nullptr;
  }
  return site;
}

LoadResult<std::shared_ptr<Site>>
SiteCache::read_site(std::string_view id)
{
  auto found = m_store.find_deployment(id);
  if (!found) {
    return std::unexpected(store_failure(std::move(found.error())));
  }
  const auto& deployment = *found;
  if (!deployment || deployment->status != core::Status::deployed) {
    return nullptr;
  }
  auto json = m_objects.get(objects::manifest_key(id));
  if (!json) {
    return std::unexpected(store_failure(std::move(json.error())));
  }
  const auto& manifest_json = *json;
  if (!manifest_json) {
    return std::unexpected(
      LoadError{ false, "deployment " + std::string(id) + " is DEPLOYED but has no manifest" });
  }
  auto manifest = objects::parse_manifest(*manifest_json);
  if (!manifest) {
    return std::unexpected(store_failure(std::move(manifest.error())));
  }
  auto site = std::make_shared<Site>();
  site->manifest = std::move(*manifest);
  site->last_modified = net::http_date(deployment->updated_at_ms / 1000);
  site->project = deployment->project;
  if (auto& parsed = site->manifest.rules) {
    site->rules = std::move(*parsed);
    parsed.reset();
  } else {
    auto redirects = read_site_file(site->manifest, "_redirects");
    auto headers = read_site_file(site->manifest, "_headers");
    if (!redirects || !headers) {
      return std::unexpected(redirects ? headers.error() : redirects.error());
    }
    site->rules = { rules::parse_redirects(*redirects), rules::parse_headers(*headers) };
  }
  if (site->manifest.brotli_pending_until_ms > store::wall_clock_ms()) {
    site->recheck_at_ms = steady_ms() + std::chrono::milliseconds(k_brotli_recheck).count();
  }
  return site;
}

LoadResult<std::shared_ptr<const Site>>
SiteCache::load_site(std::string_view id)
{
  if (auto site = cached_site(id)) {
    return site;
  }
  // Due to read its manifest again: one caller does, moving the time on first.
  auto stale = any_cached_site(id);
  if (stale) {
    auto due = stale->recheck_at_ms.load(std::memory_order_relaxed);
    const auto now = steady_ms();
    if (now < due || !stale->recheck_at_ms.compare_exchange_strong(
                       due, now + std::chrono::milliseconds(k_brotli_recheck).count())) {
      return stale;
    }
  }
  const auto generation = m_generation.load(std::memory_order_acquire);
  auto read = read_site(id);
  if (!read && stale) {
    return stale; // read again in a while; what it has still serves
  }
  if (!read) {
    return std::unexpected(std::move(read.error()));
  }
  std::shared_ptr<const Site> loaded = std::move(*read);
  std::unique_lock lock(m_mutex);
  // A deletion seen meanwhile may be this site's: kept, it would be served until restart.
  if (m_generation.load(std::memory_order_relaxed) != generation) {
    return loaded;
  }
  if (const auto found = m_sites.find(id);
      stale && found != m_sites.end() && found->second == stale) {
    m_generation.fetch_add(1, std::memory_order_release);
    erase_site(found);
  }
  if (!loaded) {
    return loaded;
  }
  return m_sites.try_emplace(std::string(id), std::move(loaded)).first->second;
}

void
SiteCache::erase_site(
  std::map<std::string, std::shared_ptr<const Site>, std::less<>>::iterator site)
{
  for (const auto& [path, entry] : site->second->manifest.files) {
    for (const unsigned status : { 200U, 404U }) {
      if (const auto file = m_files.find(file_key(entry, status)); file != m_files.end()) {
        m_bytes -= file->second->bytes;
        m_files.erase(file);
      }
    }
  }
  std::erase_if(m_clock, [this](std::uintptr_t key) { return !m_files.contains(key); });
  m_hand = 0;
  m_sites.erase(site);
}

void
SiteCache::forget_site(std::string_view id)
{
  std::unique_lock lock(m_mutex);
  m_generation.fetch_add(1, std::memory_order_release);
  if (const auto found = m_sites.find(id); found != m_sites.end()) {
    erase_site(found);
  }
}

void
SiteCache::forget_deleted(const std::vector<core::Event>& events)
{
  for (const auto& event : events) {
    if (event.kind == core::EventKind::deleted) {
      forget_site(event.deployment_id);
      util::log::info("edge.site_forgotten", { { "id", event.deployment_id } });
    }
  }
}

std::shared_ptr<const PreparedFile>
SiteCache::cached_file(const objects::ManifestEntry& entry, unsigned status) const
{
  const auto key = file_key(entry, status);
  auto& local = thread_cache(m_instance,
                             m_generation.load(std::memory_order_acquire),
                             m_evictions.load(std::memory_order_acquire));
  if (const auto found = local.files.find(key); found != local.files.end()) {
    return mark_used(found->second);
  }
  std::shared_lock lock(m_mutex);
  const auto found = m_files.find(key);
  if (found == m_files.end()) {
    return nullptr;
  }
  remember(local.files, key, found->second);
  return mark_used(found->second);
}

bool
SiteCache::make_room(std::size_t bytes)
{
  if (bytes > m_max_bytes) {
    return false;
  }
  bool evicted = false;
  while (m_bytes + bytes > m_max_bytes) {
    if (m_hand >= m_clock.size()) {
      m_hand = 0;
    }
    const auto found = m_files.find(m_clock[m_hand]);
    if (found->second->used.exchange(false, std::memory_order_relaxed)) {
      ++m_hand; // used since the sweep last passed: a second chance
      continue;
    }
    m_bytes -= found->second->bytes;
    m_files.erase(found);
    m_clock[m_hand] = m_clock.back();
    m_clock.pop_back();
    evicted = true;
  }
  if (evicted) {
    m_evictions.fetch_add(1, std::memory_order_release);
  }
  return true;
}

LoadResult<std::string>
SiteCache::read_site_file(const objects::Manifest& manifest, std::string_view name)
{
  const auto file = manifest.files.find(name);
  if (file == manifest.files.end()) {
    return std::string();
  }
  auto bytes = read_blob({ file->second.hash, file->second.size }, manifest.deployment_id, name);
  if (!bytes) {
    return std::unexpected(bytes.error());
  }
  return std::string(**bytes);
}

LoadResult<std::shared_ptr<const std::string>>
SiteCache::read_blob(const objects::BlobRef& blob,
                     std::string_view deployment_id,
                     std::string_view path)
{
  if (blob.hash.empty()) {
    return nullptr;
  }
  auto bytes = m_objects.get(objects::blob_key(blob.hash));
  if (!bytes) {
    return std::unexpected(store_failure(std::move(bytes.error())));
  }
  auto& content = *bytes;
  if (!content) {
    return std::unexpected(
      LoadError{ false, "blob " + blob.hash + " is missing from the object store" });
  }
  if (const auto mismatch = check_blob(blob, content->size(), &*content)) {
    return std::unexpected(corrupt_blob(deployment_id, path, blob, *mismatch));
  }
  return std::make_shared<const std::string>(std::move(*content));
}

LoadResult<std::shared_ptr<const PreparedFile>>
SiteCache::load_file(const Site& site,
                     std::string_view path,
                     const objects::ManifestEntry& entry,
                     unsigned status)
{
  if (auto cached = cached_file(entry, status)) {
    return cached;
  }
  VariantBodies bodies;
  const std::string_view id = site.manifest.deployment_id;
  // Large files go out with sendfile from the local store instead of from memory.
  if (entry.size >= k_sendfile_threshold) {
    if (const int fd = m_objects.open_file(objects::blob_key(entry.hash)); fd >= 0) {
      bodies.identity_file = std::make_shared<const net::FileBody>(fd, entry.size);
      const objects::BlobRef blob{ entry.hash, entry.size };
      if (auto mismatch = check_descriptor(blob, fd)) {
        return std::unexpected(corrupt_blob(id, path, blob, *mismatch));
      }
    }
  }
  const objects::BlobRef identity =
    bodies.identity_file ? objects::BlobRef{} : objects::BlobRef{ entry.hash, entry.size };
  for (const auto& [blob, body] : { std::pair{ identity, &bodies.identity },
                                    std::pair{ entry.gzip, &bodies.gzip },
                                    std::pair{ entry.br, &bodies.br } }) {
    auto read = read_blob(blob, id, path);
    if (!read) {
      return std::unexpected(read.error());
    }
    *body = std::move(*read);
  }
  auto cached = std::make_shared<CachedFile>();
  cached->file = std::make_shared<const PreparedFile>(
    prepare_file(entry, path, status, site.last_modified, std::move(bodies)));
  cached->bytes = budget_bytes(*cached->file);
  const auto key = file_key(entry, status);
  std::unique_lock lock(m_mutex);
  if (const auto found = m_files.find(key); found != m_files.end()) {
    return mark_used(found->second); // another thread loaded it meanwhile
  }
  if (!make_room(cached->bytes)) {
    return cached->file; // larger than the whole budget: served, not kept
  }
  m_bytes += cached->bytes;
  m_clock.push_back(key);
  return m_files.emplace(key, std::move(cached)).first->second->file;
}

} // namespace reactor::edge
