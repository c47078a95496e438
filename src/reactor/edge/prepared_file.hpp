#pragma once

#include "reactor/net/http_message.hpp"
#include "reactor/net/negotiation.hpp"
#include "reactor/objects/manifest.hpp"

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace reactor::edge {

// One representation of a file (identity, gzip or br), ready to send: the response head
// is rendered once (all but Date), so serving it allocates nothing.
struct PreparedVariant
{
  std::string etag;                                     // quoted; differs per encoding
  std::shared_ptr<const std::string> head;              // status 200/404 with Content-Length
  std::shared_ptr<const std::string> not_modified_head; // 304
  std::shared_ptr<const std::string> body;              // in memory, or
  std::shared_ptr<const net::FileBody> file;            // sent from disk; both null: none

  bool exists() const { return body || file; }
  std::uint64_t size() const { return body ? body->size() : file ? file->size : 0; }
};

struct PreparedFile
{
  std::array<PreparedVariant, 3> variants; // indexed by net::Encoding
  std::string cache_control;
  std::string last_modified;

  const PreparedVariant& variant(net::Encoding encoding) const
  {
    return variants[static_cast<std::size_t>(encoding)];
  }
};

// The contents of one variant: nullptr for a variant the manifest does not have.
struct VariantBodies
{
  std::shared_ptr<const std::string> identity;
  std::shared_ptr<const net::FileBody> identity_file; // instead of identity, for large files
  std::shared_ptr<const std::string> gzip;
  std::shared_ptr<const std::string> br;
};

// Renders the heads of every variant of a file served at `path` with `status`.
PreparedFile prepare_file(const objects::ManifestEntry& entry,
                          std::string_view path,
                          unsigned status,
                          std::string_view last_modified,
                          VariantBodies bodies);

// True when a file name carries a content hash (app-B1x2y3z4.js, main.8f3a2c1b.chunk.js),
// so it may be cached forever.
bool is_hashed_asset(std::string_view path);

} // namespace reactor::edge
