#include "reactor/builder/brotli_finisher.hpp"
#include "reactor/builder/pipeline_steps.hpp"
#include "reactor/objects/manifest.hpp"

#include <thread>

namespace reactor::builder::pipeline_steps {

namespace {

// How often a build waiting for its twin looks at it again.
constexpr auto k_twin_poll = std::chrono::seconds(1);

// True when `other` was created before `self`: only the younger of two twins waits, so
// two never wait for each other.
bool
is_older(const core::Deployment& other, const core::Deployment& self)
{
  return other.created_at_ms < self.created_at_ms ||
         (other.created_at_ms == self.created_at_ms && other.id < self.id);
}

} // namespace

Pipeline::Outcome
Pipeline::reuse_output(std::string_view commit)
{
  if (m_deployment.project.empty() || m_deployment.inputs_digest.empty()) {
    return std::nullopt;
  }
  const auto waited_since = Clock::now();
  std::string waiting_for;
  while (true) {
    auto twins =
      m_store.same_input_deployments(m_deployment.project, m_deployment.inputs_digest, commit);
    if (!twins) {
      return std::unexpected(std::move(twins.error()));
    }
    const core::Deployment* building = nullptr;
    for (const auto& twin : *twins) {
      if (twin.id == m_deployment.id) {
        continue;
      }
      if (twin.status == Status::deployed) {
        auto manifest = m_objects.get(objects::manifest_key(twin.id));
        if (!manifest) {
          return std::unexpected(std::move(manifest.error()));
        }
        const auto& text = *manifest;
        if (!text) {
          continue; // deleted meanwhile
        }
        auto parsed = objects::parse_manifest(*text);
        if (!parsed) {
          continue; // unreadable: build instead
        }
        parsed->deployment_id = m_deployment.id;
        if (auto stored =
              m_objects.put(objects::manifest_key(m_deployment.id), objects::to_json(*parsed));
            !stored) {
          return std::unexpected(std::move(stored.error()));
        }
        // A twin still being finished: this copy gets its brotli variants too.
        if (auto waiting = brotli_waiting(*parsed); !waiting.empty() && m_job.brotli != nullptr) {
          m_job.brotli->add(m_deployment.id, std::move(waiting));
        }
        m_commit = twin.commit.empty() ? std::string(commit) : twin.commit;
        m_info.reused_from = twin.id;
        say("Deployment " + twin.id + " built commit " + m_commit +
            " with the same settings and variables: serving its output, nothing to build");
        return BuildResult{ .status = Status::deployed };
      }
      if (building == nullptr && is_older(twin, m_deployment)) {
        building = &twin;
      }
    }
    if (building == nullptr || Clock::now() - waited_since > m_config.limits.timeout) {
      return std::nullopt;
    }
    if (waiting_for != building->id) {
      waiting_for = building->id;
      say("Deployment " + waiting_for +
          " is building this commit with the same settings and variables: waiting for it");
      static_cast<void>(m_log.flush());
    }
    if (m_job.cancel.load()) {
      return canceled();
    }
    std::this_thread::sleep_for(k_twin_poll);
  }
}

} // namespace reactor::builder::pipeline_steps
