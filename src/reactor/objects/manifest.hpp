#pragma once

#include "reactor/rules/site_rules.hpp"
#include "reactor/util/error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace reactor::objects {

// A stored blob: lowercase hex sha256 of its bytes, and their count.
struct BlobRef
{
  std::string hash;
  std::uint64_t size = 0;
};

struct ManifestEntry
{
  std::string hash; // lowercase hex sha256 of the content
  std::uint64_t size = 0;
  std::string content_type;
  // Precompressed variants made at deploy time; hash empty when there is none.
  BlobRef gzip;
  BlobRef br;
};

// What a deployment serves: site path ("index.html", "assets/app-1a2b.js", no leading
// slash) to blob, and the site's rules. Written last, so a deployment with a manifest is
// complete.
struct Manifest
{
  std::string deployment_id;
  std::map<std::string, ManifestEntry, std::less<>> files;
  // _redirects and _headers as parsed at publish (their problems left out; the files stay
  // in `files`). nullopt in a manifest of version 1, written before manifests held them:
  // the reader parses the files itself.
  std::optional<rules::SiteRules> rules;
  // Set (milliseconds since the epoch) while brotli variants of large files are still
  // being made after the deployment went live: until then an edge reads the manifest
  // again from time to time, to serve them once they are in. 0 when every variant is in.
  std::int64_t brotli_pending_until_ms = 0;
};

std::string blob_key(std::string_view hash);
// Beside a blob that has compressed variants, the record of them ("blobs/<hash>.variants"),
// so that a later publish of the same content neither compresses nor uploads them again;
// the garbage sweep keeps it as long as the blob.
constexpr std::string_view k_variants_suffix = ".variants";
std::string variants_key(std::string_view hash);
// The record of an entry's variants: a line "<encoding> <hash> <size>" for each (none
// when compressing saved too little).
std::string variants_record(const ManifestEntry& entry);
// The variants a record names, into `entry`; false when it is malformed.
bool read_variants_record(const std::string& record, ManifestEntry& entry);
std::string manifest_key(std::string_view deployment_id);

// Version 2 when the manifest has rules, 1 otherwise.
std::string to_json(const Manifest& manifest);
// Reads versions 1 and 2; fails on another version or anything malformed, a rule with an
// invalid path pattern or an unsupported status included.
util::Result<Manifest> parse_manifest(std::string_view text);

} // namespace reactor::objects
