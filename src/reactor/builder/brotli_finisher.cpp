#include "reactor/builder/brotli_finisher.hpp"

#include "reactor/objects/manifest.hpp"
#include "reactor/util/compress.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/sha256.hpp"

#include <algorithm>
#include <chrono>
#include <sys/resource.h>

namespace reactor::builder {

namespace {

// Worse than the builds' and the edge's threads: brotli waits for them, not they for it.
constexpr int k_niceness = 10;

// Gives every entry of `hash` the brotli variant `br`.
void
set_brotli(objects::Manifest& manifest, const std::string& hash, const objects::BlobRef& br)
{
  for (auto& [path, file] : manifest.files) {
    if (file.hash == hash) {
      file.br = br;
    }
  }
}

} // namespace

std::vector<std::string>
brotli_waiting(const objects::Manifest& manifest)
{
  std::vector<std::string> hashes;
  if (manifest.brotli_pending_until_ms == 0) {
    return hashes;
  }
  for (const auto& [path, entry] : manifest.files) {
    if (!entry.gzip.hash.empty() && entry.br.hash.empty() &&
        std::ranges::find(hashes, entry.hash) == hashes.end()) {
      hashes.push_back(entry.hash);
    }
  }
  return hashes;
}

util::Result<std::size_t>
finish_brotli(objects::ObjectStore& store,
              std::string_view deployment_id,
              const std::vector<std::string>& hashes)
{
  const auto key = objects::manifest_key(deployment_id);
  auto json = store.get(key);
  if (!json) {
    return std::unexpected(std::move(json.error()));
  }
  const auto& text = *json;
  if (!text) {
    return std::size_t{ 0 };
  }
  auto manifest = objects::parse_manifest(*text);
  if (!manifest) {
    return std::unexpected(std::move(manifest.error()));
  }
  std::size_t added = 0;
  for (const auto& hash : hashes) {
    auto entry =
      std::ranges::find(manifest->files, hash, [](const auto& file) { return file.second.hash; });
    if (entry == manifest->files.end()) {
      continue;
    }
    objects::ManifestEntry variants = entry->second;
    auto record = store.get(objects::variants_key(hash));
    if (!record) {
      return std::unexpected(std::move(record.error()));
    }
    if (const auto& recorded = *record; recorded &&
                                        objects::read_variants_record(*recorded, variants) &&
                                        !variants.br.hash.empty()) {
      set_brotli(*manifest, hash, variants.br);
      ++added;
      continue;
    }
    auto content = store.get(objects::blob_key(hash));
    if (!content) {
      return std::unexpected(std::move(content.error()));
    }
    const auto& bytes = *content;
    if (!bytes) {
      continue; // swept meanwhile: nothing to compress, and nothing to serve either
    }
    const auto compressed = util::brotli(*bytes);
    // Saving less than 5% is not worth a variant, as at publish.
    if (compressed && compressed->size() * 20 <= bytes->size() * 19) {
      const auto br_hash = util::sha256_hex(*compressed);
      if (auto stored = store.put(objects::blob_key(br_hash), *compressed); !stored) {
        return std::unexpected(std::move(stored.error()));
      }
      variants.br = objects::BlobRef{ br_hash, compressed->size() };
      ++added;
    }
    if (auto recorded = store.put(objects::variants_key(hash), objects::variants_record(variants));
        !recorded) {
      return std::unexpected(std::move(recorded.error()));
    }
    set_brotli(*manifest, hash, variants.br);
  }
  manifest->brotli_pending_until_ms = 0;
  // Looked at again just before writing: a deletion in the meantime must not bring the
  // manifest back.
  auto present = store.exists(key);
  if (!present) {
    return std::unexpected(std::move(present.error()));
  }
  if (!*present) {
    return std::size_t{ 0 };
  }
  if (auto written = store.put(key, objects::to_json(*manifest)); !written) {
    return std::unexpected(std::move(written.error()));
  }
  return added;
}

BrotliFinisher::BrotliFinisher(objects::ObjectStore& store)
  : m_store(store)
  , m_thread([this] { run(); })
{
}

BrotliFinisher::~BrotliFinisher()
{
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  m_thread.join();
}

void
BrotliFinisher::add(std::string deployment_id, std::vector<std::string> hashes)
{
  {
    const std::lock_guard lock(m_mutex);
    m_waiting.push_back({ std::move(deployment_id), std::move(hashes) });
  }
  m_changed.notify_all();
}

void
BrotliFinisher::wait_until_idle()
{
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_stopping || (m_waiting.empty() && !m_busy); });
}

void
BrotliFinisher::run()
{
  // setpriority on a thread's id sets that thread's niceness alone (Linux).
  static_cast<void>(::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), k_niceness));
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_changed.wait(lock, [this] { return m_stopping || !m_waiting.empty(); });
    if (m_stopping) {
      return;
    }
    const Work work = std::move(m_waiting.front());
    m_waiting.pop_front();
    m_busy = true;
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    const auto finished = finish_brotli(m_store, work.deployment_id, work.hashes);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
    if (finished) {
      util::log::info("build.brotli_finished",
                      { { "id", work.deployment_id }, { "variants", *finished }, { "ms", ms } });
    } else {
      util::log::error("build.brotli_failed",
                       { { "id", work.deployment_id }, { "error", finished.error().message } });
    }
    lock.lock();
    m_busy = false;
    m_changed.notify_all();
  }
}

} // namespace reactor::builder
