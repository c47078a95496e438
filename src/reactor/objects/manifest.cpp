#include "reactor/objects/manifest.hpp"

#include "reactor/rules/path_pattern.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <sstream>

namespace reactor::objects {

namespace json = boost::json;

std::string
blob_key(std::string_view hash)
{
  return "blobs/" + std::string(hash);
}

std::string
variants_key(std::string_view hash)
{
  return blob_key(hash) + std::string(k_variants_suffix);
}

std::string
variants_record(const ManifestEntry& entry)
{
  std::string record;
  for (const auto& [encoding, variant] :
       { std::pair{ "gzip", &entry.gzip }, std::pair{ "br", &entry.br } }) {
    if (!variant->hash.empty()) {
      record +=
        std::string(encoding) + " " + variant->hash + " " + std::to_string(variant->size) + "\n";
    }
  }
  return record;
}

bool
read_variants_record(const std::string& record, ManifestEntry& entry)
{
  std::istringstream lines(record);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string encoding;
    std::string hash;
    std::string size;
    std::string extra;
    fields >> encoding >> hash >> size >> extra;
    auto* variant = encoding == "gzip" ? &entry.gzip : encoding == "br" ? &entry.br : nullptr;
    std::uint64_t bytes = 0;
    const auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), bytes);
    if (variant == nullptr || hash.size() != 64 || error != std::errc() ||
        end != size.data() + size.size() || !extra.empty()) {
      return false;
    }
    *variant = BlobRef{ hash, bytes };
  }
  return true;
}

std::string
manifest_key(std::string_view deployment_id)
{
  return "manifests/" + std::string(deployment_id) + ".json";
}

namespace {

constexpr std::uint64_t k_version_without_rules = 1;
constexpr std::uint64_t k_version = 2;

// A non-negative integer; nullopt when `value` is missing or anything else.
std::optional<std::uint64_t>
read_count(const json::value* value)
{
  if (value != nullptr && value->is_uint64()) {
    return value->get_uint64();
  }
  if (value != nullptr && value->is_int64() && value->get_int64() >= 0) {
    return static_cast<std::uint64_t>(value->get_int64());
  }
  return std::nullopt;
}

// The string at `key`; nullptr when it is missing or not a string.
const json::string*
read_string(const json::object& object, std::string_view key)
{
  const auto* value = object.if_contains(key);
  return value != nullptr ? value->if_string() : nullptr;
}

// Reads {"hash": "<hex>", "size": N}; false when either is missing or malformed.
bool
read_blob_ref(const json::object& object, BlobRef& blob)
{
  const auto* hash = read_string(object, "hash");
  const auto size = read_count(object.if_contains("size"));
  if (hash == nullptr || !size) {
    return false;
  }
  blob = { std::string(*hash), *size };
  return true;
}

json::object
rules_to_json(const rules::SiteRules& site_rules)
{
  json::array redirects;
  for (const auto& rule : site_rules.redirects.rules) {
    redirects.push_back(json::object{
      { "from", rule.from }, { "to", rule.to }, { "status", rule.status }, { "line", rule.line } });
  }
  json::array headers;
  for (const auto& rule : site_rules.headers.rules) {
    json::array set;
    for (const auto& [name, value] : rule.set) {
      set.push_back(json::array{ json::string(name), json::string(value) });
    }
    headers.push_back(
      json::object{ { "pattern", rule.pattern },
                    { "set", std::move(set) },
                    { "detach", json::array(rule.detach.begin(), rule.detach.end()) },
                    { "line", rule.line } });
  }
  json::object rules{ { "redirects", std::move(redirects) }, { "headers", std::move(headers) } };
  if (site_rules.trailing_slash != rules::TrailingSlash::keep) {
    rules["trailingSlash"] =
      site_rules.trailing_slash == rules::TrailingSlash::add ? "add" : "remove";
  }
  return rules;
}

// The strings of an array; nullopt when it is not one or holds anything else.
std::optional<std::vector<std::string>>
read_strings(const json::value* value)
{
  const auto* array = value != nullptr ? value->if_array() : nullptr;
  if (array == nullptr) {
    return std::nullopt;
  }
  std::vector<std::string> strings;
  for (const auto& item : *array) {
    if (!item.is_string()) {
      return std::nullopt;
    }
    strings.emplace_back(item.get_string());
  }
  return strings;
}

std::optional<rules::RedirectRule>
read_redirect(const json::value& value)
{
  const auto* object = value.if_object();
  if (object == nullptr) {
    return std::nullopt;
  }
  const auto* from = read_string(*object, "from");
  const auto* to = read_string(*object, "to");
  const auto status = read_count(object->if_contains("status"));
  const auto line = read_count(object->if_contains("line"));
  if (from == nullptr || to == nullptr || !status || !line || rules::path_pattern_problem(*from) ||
      std::ranges::find(rules::k_redirect_statuses, *status) == rules::k_redirect_statuses.end()) {
    return std::nullopt;
  }
  return rules::RedirectRule{ std::string(*from),
                              std::string(*to),
                              static_cast<unsigned>(*status),
                              static_cast<std::size_t>(*line) };
}

std::optional<rules::HeaderRule>
read_header_rule(const json::value& value)
{
  const auto* object = value.if_object();
  if (object == nullptr) {
    return std::nullopt;
  }
  const auto* pattern = read_string(*object, "pattern");
  const auto* set_value = object->if_contains("set");
  const auto* set = set_value != nullptr ? set_value->if_array() : nullptr;
  auto detach = read_strings(object->if_contains("detach"));
  const auto line = read_count(object->if_contains("line"));
  if (pattern == nullptr || rules::path_pattern_problem(*pattern) || set == nullptr || !detach ||
      !line) {
    return std::nullopt;
  }
  rules::HeaderRule rule{
    std::string(*pattern), {}, std::move(*detach), static_cast<std::size_t>(*line)
  };
  for (const auto& header : *set) {
    auto pair = read_strings(&header);
    if (!pair || pair->size() != 2) {
      return std::nullopt;
    }
    rule.set.emplace_back(std::move((*pair)[0]), std::move((*pair)[1]));
  }
  return rule;
}

util::Result<rules::SiteRules>
read_rules(const json::value* value)
{
  const auto* object = value != nullptr ? value->if_object() : nullptr;
  const auto* redirects_value = object != nullptr ? object->if_contains("redirects") : nullptr;
  const auto* headers_value = object != nullptr ? object->if_contains("headers") : nullptr;
  const auto* redirects = redirects_value != nullptr ? redirects_value->if_array() : nullptr;
  const auto* headers = headers_value != nullptr ? headers_value->if_array() : nullptr;
  if (redirects == nullptr || headers == nullptr) {
    return util::fail("manifest has no rules object");
  }
  rules::SiteRules site_rules;
  for (const auto& item : *redirects) {
    auto rule = read_redirect(item);
    if (!rule) {
      return util::fail("manifest has a malformed redirect rule");
    }
    site_rules.redirects.rules.push_back(std::move(*rule));
  }
  rules::index_static_redirects(site_rules.redirects);
  for (const auto& item : *headers) {
    auto rule = read_header_rule(item);
    if (!rule) {
      return util::fail("manifest has a malformed header rule");
    }
    site_rules.headers.rules.push_back(std::move(*rule));
  }
  if (const auto* trailing = object->if_contains("trailingSlash")) {
    const auto* text = trailing->if_string();
    if (text == nullptr || (*text != "add" && *text != "remove")) {
      return util::fail("manifest has a malformed trailingSlash");
    }
    site_rules.trailing_slash =
      *text == "add" ? rules::TrailingSlash::add : rules::TrailingSlash::remove;
  }
  return site_rules;
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
    { "version", manifest.rules ? k_version : k_version_without_rules },
    { "deploymentId", manifest.deployment_id },
    { "files", std::move(files) },
  };
  if (manifest.rules) {
    root["rules"] = rules_to_json(*manifest.rules);
  }
  if (manifest.brotli_pending_until_ms != 0) {
    root["brotliPendingUntil"] = manifest.brotli_pending_until_ms;
  }
  return json::serialize(root);
}

util::Result<Manifest>
parse_manifest(std::string_view text)
{
  boost::system::error_code ec;
  const auto value = json::parse(text, ec);
  if (ec) {
    return util::fail("manifest is not valid JSON: " + ec.message());
  }
  const auto* root = value.if_object();
  if (root == nullptr) {
    return util::fail("manifest is not a JSON object");
  }
  const auto* version_value = root->if_contains("version");
  const auto version = version_value != nullptr
                         ? read_count(version_value)
                         : std::optional<std::uint64_t>(k_version_without_rules);
  if (!version || (*version != k_version_without_rules && *version != k_version)) {
    return util::fail("manifest version is not 1 or 2: written by a newer Reactor?");
  }
  Manifest manifest;
  if (*version == k_version) {
    auto site_rules = read_rules(root->if_contains("rules"));
    if (!site_rules) {
      return std::unexpected(std::move(site_rules.error()));
    }
    manifest.rules = std::move(*site_rules);
  }
  const auto* id = root->if_contains("deploymentId");
  if (id == nullptr || !id->is_string()) {
    return util::fail("manifest has no deploymentId");
  }
  manifest.deployment_id = std::string(id->get_string());
  if (const auto* pending = root->if_contains("brotliPendingUntil")) {
    const auto until = read_count(pending);
    if (!until) {
      return util::fail("manifest has a malformed brotliPendingUntil");
    }
    manifest.brotli_pending_until_ms = static_cast<std::int64_t>(*until);
  }
  const auto* files_value = root->if_contains("files");
  const auto* files = files_value != nullptr ? files_value->if_object() : nullptr;
  if (files == nullptr) {
    return util::fail("manifest has no files object");
  }
  for (const auto& [path, item] : *files) {
    const auto* entry = item.if_object();
    const auto* type = entry != nullptr ? entry->if_contains("contentType") : nullptr;
    BlobRef content;
    if (entry == nullptr || !read_blob_ref(*entry, content) || type == nullptr ||
        !type->is_string()) {
      return util::fail("manifest entry for '" + std::string(path) + "' is incomplete");
    }
    ManifestEntry parsed{ content.hash, content.size, std::string(type->get_string()) };
    for (const auto& [name, variant] :
         { std::pair{ "gzip", &parsed.gzip }, std::pair{ "br", &parsed.br } }) {
      const auto* stored = entry->if_contains(name);
      if (stored != nullptr &&
          (!stored->is_object() || !read_blob_ref(stored->get_object(), *variant))) {
        return util::fail("manifest entry for '" + std::string(path) + "' has a bad " + name +
                          " variant");
      }
    }
    manifest.files.emplace(std::string(path), std::move(parsed));
  }
  return manifest;
}

} // namespace reactor::objects
