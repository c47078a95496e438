#pragma once

#include "reactor/core/error.hpp"
#include "reactor/edge/header_rules.hpp"
#include "reactor/edge/prepared_file.hpp"
#include "reactor/edge/redirect_rules.hpp"
#include "reactor/objects/manifest.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::edge {

struct Site
{
  objects::Manifest manifest;
  std::string last_modified; // when it was deployed, as an HTTP date
  RedirectRules redirects;   // from the site's _redirects
  HeaderRules header_rules;  // from the site's _headers
};

// A file SiteCache keeps, with what its eviction needs (defined in site_cache.cpp).
struct CachedFile;

// Deployed sites and their files, ready to send, kept in memory. Deployments and blobs
// are immutable once deployed, so nothing cached here ever goes stale. Each network
// thread keeps its own copy of what it used, so the hot path takes no lock. Files stay
// within a byte budget: when a new one does not fit, the files not used for longest
// (approximately: CLOCK, one "used" bit per file) make room.
class SiteCache
{
public:
  SiteCache(store::MetadataStore& store, objects::ObjectStore& objects, std::size_t max_bytes);

  // The site if already loaded; nullptr otherwise (never blocks).
  std::shared_ptr<const Site> cached_site(std::string_view id) const;
  // Loads the site when the deployment is DEPLOYED; nullptr when it is not (blocking).
  core::Result<std::shared_ptr<const Site>> load_site(std::string_view id);

  // The file's prepared responses if in memory; nullptr otherwise (never blocks).
  // `entry` belongs to `site`; `status` is 200, or 404 for the site's 404.html.
  std::shared_ptr<const PreparedFile> cached_file(const objects::ManifestEntry& entry,
                                                  unsigned status) const;
  // Reads the file's variants and prepares them, keeping them in memory while the byte
  // budget allows (blocking).
  core::Result<std::shared_ptr<const PreparedFile>> load_file(const Site& site,
                                                              std::string_view path,
                                                              const objects::ManifestEntry& entry,
                                                              unsigned status);

  // Drops a deleted deployment's site and files, here and in every thread's copy; a load
  // that read the store before this call serves its site once but does not keep it.
  void forget_site(std::string_view id);
  // Forgets the site of every deletion (tombstone) among these change-feed events.
  void forget_deleted(const std::vector<core::Event>& events);

private:
  // With the mutex held: evicts files until `bytes` more fit; false if they never can.
  bool make_room(std::size_t bytes);
  core::Result<std::shared_ptr<const std::string>> read_blob(const objects::BlobRef& blob);
  // A file of the site read whole ("" when the site has none): _redirects, _headers.
  core::Result<std::string> read_site_file(const objects::Manifest& manifest,
                                           std::string_view name);

  store::MetadataStore& m_store;
  objects::ObjectStore& m_objects;
  const std::size_t m_max_bytes;
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
