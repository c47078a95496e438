#include "reactor/objects/manifest.hpp"

#include <boost/json.hpp>

namespace reactor::objects {

namespace json = boost::json;

std::string
blob_key(std::string_view hash)
{
  return "blobs/" + std::string(hash);
}

std::string
manifest_key(std::string_view deployment_id)
{
  return "manifests/" + std::string(deployment_id) + ".json";
}

std::string
to_json(const Manifest& manifest)
{
  json::object files;
  for (const auto& [path, entry] : manifest.files) {
    files[path] = json::object{
      { "hash", entry.hash },
      { "size", entry.size },
      { "contentType", entry.content_type },
    };
  }
  json::object root{
    { "version", 1 },
    { "deploymentId", manifest.deployment_id },
    { "files", std::move(files) },
  };
  return json::serialize(root);
}

core::Result<Manifest>
parse_manifest(std::string_view text)
{
  boost::system::error_code ec;
  const auto value = json::parse(text, ec);
  if (ec) {
    return core::fail("manifest is not valid JSON: " + ec.message());
  }
  const auto* root = value.if_object();
  if (root == nullptr) {
    return core::fail("manifest is not a JSON object");
  }
  Manifest manifest;
  const auto* id = root->if_contains("deploymentId");
  if (id == nullptr || !id->is_string()) {
    return core::fail("manifest has no deploymentId");
  }
  manifest.deployment_id = std::string(id->get_string());
  const auto* files_value = root->if_contains("files");
  const auto* files = files_value != nullptr ? files_value->if_object() : nullptr;
  if (files == nullptr) {
    return core::fail("manifest has no files object");
  }
  for (const auto& [path, item] : *files) {
    const auto* entry = item.if_object();
    const auto* hash = entry != nullptr ? entry->if_contains("hash") : nullptr;
    const auto* size = entry != nullptr ? entry->if_contains("size") : nullptr;
    const auto* type = entry != nullptr ? entry->if_contains("contentType") : nullptr;
    if (hash == nullptr || !hash->is_string() || size == nullptr || type == nullptr ||
        !type->is_string()) {
      return core::fail("manifest entry for '" + std::string(path) + "' is incomplete");
    }
    std::uint64_t bytes = 0;
    if (size->is_uint64()) {
      bytes = size->get_uint64();
    } else if (size->is_int64() && size->get_int64() >= 0) {
      bytes = static_cast<std::uint64_t>(size->get_int64());
    } else {
      return core::fail("manifest entry for '" + std::string(path) + "' has a bad size");
    }
    manifest.files.emplace(
      std::string(path),
      ManifestEntry{ std::string(hash->get_string()), bytes, std::string(type->get_string()) });
  }
  return manifest;
}

} // namespace reactor::objects
