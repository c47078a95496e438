#pragma once

#include "reactor/objects/object_store.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>

namespace reactor::objects::cached {

// Wraps a remote object store with a bounded cache on local disk. Objects are immutable
// once written (blobs by content hash, manifests written once), so a cached copy is
// always correct; the least recently used files go first when the cache is over
// `max_bytes`. Writes go to the inner store only.
std::unique_ptr<ObjectStore> create_disk_cache(std::unique_ptr<ObjectStore> inner,
                                               const std::filesystem::path& directory,
                                               std::uint64_t max_bytes);

} // namespace reactor::objects::cached
