#pragma once

#include "reactor/core/error.hpp"
#include "reactor/objects/manifest.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace reactor::edge {

struct Site
{
  objects::Manifest manifest;
};

// Deployed sites' manifests and file contents, kept in memory. Deployments and blobs
// are immutable once deployed, so nothing cached here ever goes stale.
class SiteCache
{
public:
  SiteCache(store::MetadataStore& store, objects::ObjectStore& objects, std::size_t max_blob_bytes);

  // The site if already loaded; nullptr otherwise (never blocks).
  std::shared_ptr<const Site> cached_site(std::string_view id) const;
  // Loads the site when the deployment is DEPLOYED; nullptr when it is not (blocking).
  core::Result<std::shared_ptr<const Site>> load_site(std::string_view id);

  // The blob if in memory; nullptr otherwise (never blocks).
  std::shared_ptr<const std::string> cached_blob(std::string_view hash) const;
  // Reads the blob, keeping it in memory while the byte budget allows (blocking).
  core::Result<std::shared_ptr<const std::string>> load_blob(std::string_view hash);

private:
  store::MetadataStore& m_store;
  objects::ObjectStore& m_objects;
  const std::size_t m_max_blob_bytes;
  mutable std::shared_mutex m_mutex;
  std::map<std::string, std::shared_ptr<const Site>, std::less<>> m_sites;
  std::map<std::string, std::shared_ptr<const std::string>, std::less<>> m_blobs;
  std::size_t m_blob_bytes = 0;
};

} // namespace reactor::edge
