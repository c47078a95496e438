#pragma once

#include "reactor/edge/prepared_file.hpp"
#include "reactor/objects/manifest.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/rules/site_rules.hpp"
#include "reactor/store/metadata_store.hpp"
#include "reactor/util/error.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::edge {

// A file sent from an open descriptor larger than this is checked by size alone: hashing
// it would hold its first request for seconds.
constexpr std::uint64_t k_max_hashed_descriptor = 64ULL << 20;

struct Site
{
  objects::Manifest manifest; // without its rules, which are in `rules`
  std::string last_modified;  // when it was deployed, as an HTTP date
  // From the manifest, or parsed from the site's _redirects and _headers when the manifest
  // is older than parsed rules.
  rules::SiteRules rules;
  std::string project; // the project the deployment belongs to; "" for none
  // While manifest.brotli_pending_until_ms is ahead: when (steady clock, milliseconds) the
  // manifest is read again, to serve the brotli variants once they are in.
  mutable std::atomic<std::int64_t> recheck_at_ms{ 0 };
};

// How often a site whose brotli variants are still being made reads its manifest again.
constexpr std::chrono::seconds k_brotli_recheck{ 2 };

// Why a site or a file cannot be loaded: the store failed (worth a retry), or a blob does
// not match the manifest, truncated or replaced where it is stored (already logged).
struct LoadError
{
  bool corrupt = false;
  std::string message;
};

template<typename T>
using LoadResult = std::expected<T, LoadError>;

// How a blob differs from its manifest entry.
struct BlobMismatch
{
  std::uint64_t found_size = 0;
  std::string found_hash; // empty when the size differs already (not hashed)
};

// Checks `size` bytes against the blob's size and, when `bytes` is given (hashing is for
// the first load only, never per request), against its hash; nullopt when they match.
std::optional<BlobMismatch> check_blob(const objects::BlobRef& blob,
                                       std::uint64_t size,
                                       const std::string* bytes);

// A file SiteCache keeps, with what its eviction needs (defined in site_cache.cpp).
struct CachedFile;

// Deployed sites and their files, ready to send, kept in memory. Blobs are immutable and
// so are manifests, but for the brotli variants a manifest may gain once after it went
// live (Site::recheck_at_ms): nothing else cached here ever goes stale. Each network
// thread keeps its own copy of what it used, so the hot path takes no lock. Files stay
// within a byte budget: when a new one does not fit, the files not used for longest
// (approximately: CLOCK, one "used" bit per file) make room.
class SiteCache
{
public:
  SiteCache(store::MetadataStore& store, objects::ObjectStore& objects, std::size_t max_bytes);

  // The site if already loaded and not due to read its manifest again; nullptr otherwise
  // (never blocks).
  std::shared_ptr<const Site> cached_site(std::string_view id) const;
  // Loads the site when the deployment is DEPLOYED; nullptr when it is not (blocking). A
  // site due to read its manifest again is read by one caller; the others get it as it is.
  // Fails when the store does, or (corrupt) when a manifest without parsed rules names a
  // _redirects or _headers that does not match it.
  LoadResult<std::shared_ptr<const Site>> load_site(std::string_view id);

  // The file's prepared responses if in memory; nullptr otherwise (never blocks).
  // `entry` belongs to `site`; `status` is 200, or 404 for the site's 404.html.
  std::shared_ptr<const PreparedFile> cached_file(const objects::ManifestEntry& entry,
                                                  unsigned status) const;
  // Reads the file's variants and prepares them, keeping them in memory while the byte
  // budget allows (blocking). Each variant is checked against the manifest: its size
  // always, its hash when read into memory (a file sent from an open descriptor is hashed
  // up to k_max_hashed_descriptor bytes). A mismatch is logged at error level and fails
  // as corrupt, so no response ever goes out short of its Content-Length.
  LoadResult<std::shared_ptr<const PreparedFile>> load_file(const Site& site,
                                                            std::string_view path,
                                                            const objects::ManifestEntry& entry,
                                                            unsigned status);

  // Drops a deleted deployment's site and files, here and in every thread's copy; a load
  // that read the store before this call serves its site once but does not keep it.
  void forget_site(std::string_view id);
  // Forgets the site of every deletion (tombstone) among these change-feed events.
  void forget_deleted(const std::vector<core::Event>& events);

private:
  // The site, whether or not it is due to read its manifest again; nullptr when not loaded.
  std::shared_ptr<const Site> any_cached_site(std::string_view id) const;
  // Reads the site from the stores (blocking).
  LoadResult<std::shared_ptr<Site>> read_site(std::string_view id);
  // With the mutex held: drops the site and its files; the threads' copies go with the
  // generation, which the caller bumps.
  void erase_site(std::map<std::string, std::shared_ptr<const Site>, std::less<>>::iterator site);
  // With the mutex held: evicts files until `bytes` more fit; false if they never can.
  bool make_room(std::size_t bytes);
  // The blob's bytes, checked against `blob`; nullptr when blob.hash is empty. `path`
  // and `deployment_id` are for the log line of a mismatch.
  LoadResult<std::shared_ptr<const std::string>> read_blob(const objects::BlobRef& blob,
                                                           std::string_view deployment_id,
                                                           std::string_view path);
  // A file of the site read whole ("" when the site has none): _redirects, _headers.
  LoadResult<std::string> read_site_file(const objects::Manifest& manifest, std::string_view name);

  store::MetadataStore& m_store;
  objects::ObjectStore& m_objects;
  const std::size_t m_max_bytes;
  // Names this cache to the threads' copies: a new cache at a freed one's address must
  // not find its sites.
  const std::uint64_t m_instance;
  mutable std::shared_mutex m_mutex;
  std::map<std::string, std::shared_ptr<const Site>, std::less<>> m_sites;
  std::map<std::uintptr_t, std::shared_ptr<const CachedFile>> m_files;
  std::vector<std::uintptr_t> m_clock; // the keys of m_files, in the sweep's order
  std::size_t m_hand = 0;              // the next key in m_clock the sweep looks at
  std::size_t m_bytes = 0;
  // Bumped by forget_site: a thread whose copy is older drops it, and a load that began
  // before does not keep its site.
  std::atomic<std::uint64_t> m_generation{ 0 };
  // Bumped by each eviction: a thread whose copy is older drops it, so that evicted files
  // are freed now rather than when the thread's copy fills up.
  std::atomic<std::uint64_t> m_evictions{ 0 };
};

} // namespace reactor::edge
