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

namespace {

// Reads {"hash": "<hex>", "size": N}; false when either is missing or malformed.
bool
read_blob_ref(const json::object& object, BlobRef& blob)
{
  const auto* hash = object.if_contains("hash");
  const auto* size = object.if_contains("size");
  if (hash == nullptr || !hash->is_string() || size == nullptr) {
    return false;
  }
  blob.hash = std::string(hash->get_string());
  if (size->is_uint64()) {
    blob.size = size->get_uint64();
  } else if (size->is_int64() && size->get_int64() >= 0) {
    blob.size = static_cast<std::uint64_t>(size->get_int64());
  } else {
    return false;
  }
  return true;
}

} // namespace

std::string
to_json(const Manifest& manifest)
{
  json::object files;
  for (const auto& [path, entry] : manifest.files) {
    json::object item{
      { "hash", entry.hash },
      { "size", entry.size },
      { "contentType", entry.content_type },
    };
    for (const auto& [name, variant] :
         { std::pair{ "gzip", &entry.gzip }, std::pair{ "br", &entry.br } }) {
      if (!variant->hash.empty()) {
        item[name] = json::object{ { "hash", variant->hash }, { "size", variant->size } };
      }
    }
    files[path] = std::move(item);
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
    const auto* type = entry != nullptr ? entry->if_contains("contentType") : nullptr;
    BlobRef content;
    if (entry == nullptr || !read_blob_ref(*entry, content) || type == nullptr ||
        !type->is_string()) {
      return core::fail("manifest entry for '" + std::string(path) + "' is incomplete");
    }
    ManifestEntry parsed{ content.hash, content.size, std::string(type->get_string()) };
    for (const auto& [name, variant] :
         { std::pair{ "gzip", &parsed.gzip }, std::pair{ "br", &parsed.br } }) {
      const auto* stored = entry->if_contains(name);
      if (stored != nullptr &&
          (!stored->is_object() || !read_blob_ref(stored->get_object(), *variant))) {
        return core::fail("manifest entry for '" + std::string(path) + "' has a bad " + name +
                          " variant");
      }
    }
    manifest.files.emplace(std::string(path), std::move(parsed));
  }
  return manifest;
}

} // namespace reactor::objects
