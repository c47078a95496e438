#pragma once

#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"
#include "reactor/util/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace reactor::gc {

struct SweepOptions
{
  // Nothing written more recently is deleted: it may belong to a publish in progress.
  // Must be at least twice the workers' blob reuse window (builder::publish_output).
  std::chrono::seconds grace{ 3600 };
  bool dry_run = false; // count what would go, delete nothing
  // The grace spares young objects only while a build is queued or running (in any
  // process): with none, nothing can be publishing, so an operator's collection frees a
  // deleted site's blobs at once. Checked again while deleting, in case a build starts.
  bool grace_only_while_building = false;
};

struct SweepReport
{
  std::size_t blobs_deleted = 0;
  std::uint64_t bytes_freed = 0;
  std::size_t manifests_deleted = 0;
  std::size_t blobs_kept = 0;
};

// Mark and sweep of the object store. Marks every blob that a manifest references, unless
// the manifest's deployment is gone or ended without being deployed; then deletes the
// unmarked blobs and those manifests, sparing anything written within the grace period
// (unless `grace_only_while_building` and no build is in flight) and anything written
// again meanwhile. Safe while builds publish and while another
// process sweeps too. Fails, deleting nothing, when the store or a manifest to keep
// cannot be read.
util::Result<SweepReport> sweep_objects(store::MetadataStore& store,
                                        objects::ObjectStore& objects,
                                        const SweepOptions& options);

} // namespace reactor::gc
