#include "reactor/edge/site_cache.hpp"

#include <mutex>

namespace reactor::edge {

SiteCache::SiteCache(store::MetadataStore& store,
                     objects::ObjectStore& objects,
                     std::size_t max_blob_bytes)
  : m_store(store)
  , m_objects(objects)
  , m_max_blob_bytes(max_blob_bytes)
{
}

std::shared_ptr<const Site>
SiteCache::cached_site(std::string_view id) const
{
  std::shared_lock lock(m_mutex);
  const auto found = m_sites.find(id);
  return found == m_sites.end() ? nullptr : found->second;
}

core::Result<std::shared_ptr<const Site>>
SiteCache::load_site(std::string_view id)
{
  if (auto site = cached_site(id)) {
    return site;
  }
  auto deployment = m_store.find_deployment(id);
  if (!deployment) {
    return std::unexpected(deployment.error());
  }
  if (!deployment->has_value() || (*deployment)->status != core::Status::deployed) {
    return nullptr;
  }
  auto json = m_objects.get(objects::manifest_key(id));
  if (!json) {
    return std::unexpected(json.error());
  }
  if (!json->has_value()) {
    return core::fail("deployment " + std::string(id) + " is DEPLOYED but has no manifest");
  }
  auto manifest = objects::parse_manifest(**json);
  if (!manifest) {
    return std::unexpected(manifest.error());
  }
  auto site = std::make_shared<const Site>(Site{ std::move(*manifest) });
  std::unique_lock lock(m_mutex);
  return m_sites.try_emplace(std::string(id), std::move(site)).first->second;
}

std::shared_ptr<const std::string>
SiteCache::cached_blob(std::string_view hash) const
{
  std::shared_lock lock(m_mutex);
  const auto found = m_blobs.find(hash);
  return found == m_blobs.end() ? nullptr : found->second;
}

core::Result<std::shared_ptr<const std::string>>
SiteCache::load_blob(std::string_view hash)
{
  if (auto blob = cached_blob(hash)) {
    return blob;
  }
  auto bytes = m_objects.get(objects::blob_key(hash));
  if (!bytes) {
    return std::unexpected(bytes.error());
  }
  if (!bytes->has_value()) {
    return core::fail("blob " + std::string(hash) + " is missing from the object store");
  }
  auto blob = std::make_shared<const std::string>(std::move(**bytes));
  std::unique_lock lock(m_mutex);
  if (m_blob_bytes + blob->size() <= m_max_blob_bytes) {
    m_blob_bytes += blob->size();
    return m_blobs.try_emplace(std::string(hash), std::move(blob)).first->second;
  }
  return blob;
}

} // namespace reactor::edge
