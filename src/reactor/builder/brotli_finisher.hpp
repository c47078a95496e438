#pragma once

#include "reactor/objects/manifest.hpp"
#include "reactor/objects/object_store.hpp"
#include "reactor/util/error.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace reactor::builder {

// Makes the brotli variants a publish left out (PublishStats::brotli_deferred: content
// already stored as blobs), writes their variants records, then the deployment's manifest
// again with them in and brotli_pending_until_ms cleared, which edges notice. A variant
// another deployment of the same content made already is reused. Returns how
// many variants it added (none for content brotli does not shrink enough); nothing when
// the manifest is gone (the deployment was deleted meanwhile).
util::Result<std::size_t> finish_brotli(objects::ObjectStore& store,
                                        std::string_view deployment_id,
                                        const std::vector<std::string>& hashes);

// The content of `manifest` still waiting for its brotli variant, when the manifest says
// some is (a copy of a manifest whose deployment was still being finished).
std::vector<std::string> brotli_waiting(const objects::Manifest& manifest);

// Runs finish_brotli on a thread of its own at low priority, one deployment at a time in
// the order given, so that a deployment goes live without waiting for brotli at its best
// quality (about 1.5 ms per KiB) and the next build is not held behind it either.
class BrotliFinisher
{
public:
  explicit BrotliFinisher(objects::ObjectStore& store);
  BrotliFinisher(const BrotliFinisher&) = delete;
  BrotliFinisher& operator=(const BrotliFinisher&) = delete;
  // Stops after the deployment in hand; those still waiting keep gzip only.
  ~BrotliFinisher();

  void add(std::string deployment_id, std::vector<std::string> hashes);

  // Waits until every deployment added is done (for tests and a graceful stop).
  void wait_until_idle();

private:
  struct Work
  {
    std::string deployment_id;
    std::vector<std::string> hashes;
  };

  void run();

  objects::ObjectStore& m_store;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Work> m_waiting;
  bool m_busy = false;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace reactor::builder
