#include "reactor/gc/sweep.hpp"

#include "reactor/gc/metrics.hpp"
#include "reactor/objects/manifest.hpp"

#include <unordered_map>
#include <unordered_set>

namespace reactor::gc {

namespace {

constexpr std::string_view k_blobs = "blobs/";
constexpr std::string_view k_manifests = "manifests/";
constexpr std::string_view k_manifest_suffix = ".json";

// The deployment a manifest key names; empty for any other key.
std::string_view
manifest_deployment(std::string_view key)
{
  if (!key.starts_with(k_manifests) || !key.ends_with(k_manifest_suffix)) {
    return {};
  }
  key.remove_prefix(k_manifests.size());
  key.remove_suffix(k_manifest_suffix.size());
  return key;
}

// A manifest is worth keeping while its deployment is (or may become) DEPLOYED.
bool
keeps_manifest(const std::unordered_map<std::string, core::Status>& statuses,
               std::string_view deployment_id)
{
  const auto found = statuses.find(std::string(deployment_id));
  return found != statuses.end() &&
         (found->second == core::Status::deployed || !core::is_final(found->second));
}

util::Result<void>
mark(objects::ObjectStore& objects, const std::string& key, std::unordered_set<std::string>& marked)
{
  auto json = objects.get(key);
  if (!json) {
    return std::unexpected(json.error());
  }
  const auto& manifest_json = *json;
  if (!manifest_json) {
    return {}; // deleted meanwhile, with its deployment
  }
  auto manifest = objects::parse_manifest(*manifest_json);
  if (!manifest) {
    return util::fail(key + ": " + manifest.error().message);
  }
  for (const auto& [path, entry] : manifest->files) {
    for (const auto* hash : { &entry.hash, &entry.gzip.hash, &entry.br.hash }) {
      if (!hash->empty()) {
        marked.insert(*hash);
      }
    }
  }
  return {};
}

// Whether an object younger than the grace may go anyway: only when the options say so and
// no build is queued or running. The store is asked again at most every k_recheck during
// the sweep, far sooner than a build that starts meanwhile can get to publishing; once a
// build is seen, the grace holds for the rest of the sweep.
class GraceWaiver
{
public:
  GraceWaiver(store::MetadataStore& store, bool enabled)
    : m_store(store)
    , m_enabled(enabled)
  {
  }

  util::Result<bool> applies()
  {
    using Clock = std::chrono::steady_clock;
    static constexpr auto k_recheck = std::chrono::milliseconds(50);
    if (!m_enabled || (m_checked && Clock::now() - m_checked_at < k_recheck)) {
      return m_enabled;
    }
    auto counts = m_store.counts();
    if (!counts) {
      return std::unexpected(counts.error());
    }
    const auto pending = "status:" + std::string(core::to_string(core::Status::pending));
    const auto building = "status:" + std::string(core::to_string(core::Status::in_progress));
    for (const auto& [name, count] : *counts) {
      if (count > 0 && (name == "jobs" || name == pending || name == building)) {
        m_enabled = false;
      }
    }
    m_checked = true;
    m_checked_at = Clock::now();
    return m_enabled;
  }

private:
  store::MetadataStore& m_store;
  bool m_enabled;
  bool m_checked = false;
  std::chrono::steady_clock::time_point m_checked_at;
};

} // namespace

util::Result<SweepReport>
sweep_objects(store::MetadataStore& store,
              objects::ObjectStore& objects,
              const SweepOptions& options)
{
  const auto cutoff = std::chrono::system_clock::now() - options.grace;
  // Blobs are listed before anything is marked: a blob written later is younger than the
  // cutoff, or written again by a publish that finds it stale.
  auto blobs = objects.list(k_blobs);
  if (!blobs) {
    return std::unexpected(blobs.error());
  }
  auto deployments = store.deployment_statuses();
  if (!deployments) {
    return std::unexpected(deployments.error());
  }
  std::unordered_map<std::string, core::Status> statuses;
  for (auto& deployment : *deployments) {
    statuses.emplace(std::move(deployment.id), deployment.status);
  }
  auto manifests = objects.list(k_manifests);
  if (!manifests) {
    return std::unexpected(manifests.error());
  }

  GraceWaiver waiver(store, options.grace_only_while_building);
  // Past the grace, or younger with the grace waived: an object no live manifest needs goes.
  const auto may_go = [&](const objects::ObjectInfo& object) -> util::Result<bool> {
    return object.modified < cutoff ? util::Result<bool>(true) : waiver.applies();
  };

  std::unordered_set<std::string> marked;
  std::vector<objects::ObjectInfo> dead_manifests;
  for (const auto& manifest : *manifests) {
    const auto id = manifest_deployment(manifest.key);
    if (id.empty()) {
      continue;
    }
    if (!keeps_manifest(statuses, id)) {
      auto goes = may_go(manifest);
      if (!goes) {
        return std::unexpected(goes.error());
      }
      if (*goes) {
        dead_manifests.push_back(manifest);
        continue;
      }
    }
    if (auto marked_ok = mark(objects, manifest.key, marked); !marked_ok) {
      return std::unexpected(marked_ok.error());
    }
  }

  SweepReport report;
  for (const auto& manifest : dead_manifests) {
    auto removed = options.dry_run ? util::Result<bool>(true)
                                   : objects.remove_if_unchanged(manifest.key, manifest.modified);
    if (!removed) {
      return std::unexpected(removed.error());
    }
    report.manifests_deleted += *removed ? 1 : 0;
  }
  for (const auto& blob : *blobs) {
    auto name = std::string_view(blob.key).substr(k_blobs.size());
    if (name.ends_with(objects::k_variants_suffix)) {
      name.remove_suffix(objects::k_variants_suffix.size()); // kept with its blob
    }
    auto goes = marked.contains(std::string(name)) ? util::Result<bool>(false) : may_go(blob);
    if (!goes) {
      return std::unexpected(goes.error());
    }
    if (!*goes) {
      ++report.blobs_kept;
      continue;
    }
    auto removed = options.dry_run ? util::Result<bool>(true)
                                   : objects.remove_if_unchanged(blob.key, blob.modified);
    if (!removed) {
      return std::unexpected(removed.error());
    }
    if (*removed) {
      ++report.blobs_deleted;
      report.bytes_freed += blob.size;
    } else {
      ++report.blobs_kept;
    }
  }
  if (!options.dry_run) {
    metrics().blobs_deleted.add(report.blobs_deleted);
    metrics().bytes_freed.add(report.bytes_freed);
  }
  return report;
}

} // namespace reactor::gc
