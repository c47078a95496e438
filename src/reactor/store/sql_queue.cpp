#include "reactor/store/sql_store_impl.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/random.hpp"

namespace reactor::store {

using namespace rows;
using util::fail;

namespace {

constexpr std::size_t k_token_bytes = 16;

// The ERROR message of a job moved to the dead-letter queue.
std::string
dead_letter_reason()
{
  return "the build was attempted " + std::to_string(k_max_receives) +
         " times and the worker never finished (crashed or lost); it was moved to the "
         "dead-letter queue — redrive it once the workers are healthy";
}

// Logs the jobs a lease moved to the dead-letter queue; called once that commit is done,
// so the log never tells of a move that was rolled back.
void
log_dead_lettered(const std::vector<Job>& jobs)
{
  for (const auto& job : jobs) {
    util::log::warn("job.dead_lettered",
                    { { "id", job.deployment_id }, { "receives", job.receives } });
  }
}

} // namespace

Result<std::optional<Job>>
SqlStore::lease_job(std::chrono::milliseconds lease)
{
  return run("lease a job", "", [&](Executor& executor) -> Result<std::optional<Job>> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    auto now = m_clock();
    std::vector<Job> dead_lettered;
    for (;;) {
      auto candidate = first_row(executor, m_sql.next_visible_job, sql_values(now), read_candidate);
      if (!candidate) {
        return std::unexpected(candidate.error());
      }
      if (!*candidate) {
        if (auto committed = executor.commit(); !committed) {
          return std::unexpected(committed.error());
        }
        log_dead_lettered(dead_lettered);
        return std::nullopt;
      }
      auto& [job, status] = **candidate;
      if (core::is_final(status)) {
        if (auto done = executor.execute(m_sql.delete_job, sql_values(job.id)); !done) {
          return std::unexpected(done.error());
        }
        continue;
      }
      if (job.receives >= k_max_receives) {
        if (auto done = dead_letter(executor, job, now); !done) {
          return std::unexpected(done.error());
        }
        dead_lettered.push_back(job);
        continue;
      }
      job.lease_token = util::random_hex(k_token_bytes);
      job.receives += 1;
      if (auto done = executor.execute(m_sql.lease_job,
                                       sql_values(job.id, now + lease.count(), job.lease_token));
          !done) {
        return std::unexpected(done.error());
      }
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      log_dead_lettered(dead_lettered);
      return std::move(job);
    }
  });
}

Result<bool>
SqlStore::extend_lease(const Job& job, std::chrono::milliseconds lease)
{
  return run(
    "extend the lease of deployment", job.deployment_id, [&](Executor& executor) -> Result<bool> {
      auto changed = executor.execute(
        m_sql.extend_lease, sql_values(job.id, job.lease_token, m_clock() + lease.count()));
      if (!changed) {
        return std::unexpected(changed.error());
      }
      return *changed == 1;
    });
}

Result<bool>
SqlStore::finish_job(const Job& job, const core::StatusChange& change)
{
  return run(
    "finish the job of deployment", job.deployment_id, [&](Executor& executor) -> Result<bool> {
      if (auto begun = executor.begin(); !begun) {
        return std::unexpected(begun.error());
      }
      auto holder = first_row(
        executor, m_sql.leased_job_deployment, sql_values(job.id, job.lease_token), read_text);
      if (!holder) {
        return std::unexpected(holder.error());
      }
      if (!*holder) {
        return false;
      }
      const auto& deployment_id = **holder;
      if (!change.deployment_id.empty() && change.deployment_id != deployment_id) {
        return fail("the job belongs to deployment '" + deployment_id + "', not to '" +
                    change.deployment_id + "'");
      }
      core::StatusChange applied_change = change;
      applied_change.deployment_id = deployment_id;
      const auto now = m_clock();
      auto applied = apply_change(executor, applied_change, now);
      if (!applied) {
        return applied;
      }
      if (*applied && applied_change.status == core::Status::deployed) {
        if (auto moved = move_aliases(executor, deployment_id, now); !moved) {
          return std::unexpected(moved.error());
        }
      }
      if (auto done = executor.execute(m_sql.delete_job, sql_values(job.id)); !done) {
        return std::unexpected(done.error());
      }
      if (auto committed = executor.commit(); !committed) {
        return std::unexpected(committed.error());
      }
      return true;
    });
}

Result<void>
SqlStore::release_job(const Job& job)
{
  return run(
    "release the job of deployment", job.deployment_id, [&](Executor& executor) -> Result<void> {
      auto changed =
        executor.execute(m_sql.release_job, sql_values(job.id, job.lease_token, m_clock()));
      if (!changed) {
        return std::unexpected(changed.error());
      }
      return {};
    });
}

Result<std::optional<QueuePlace>>
SqlStore::queue_place(std::string_view deployment_id)
{
  return run("find the queue place of deployment", deployment_id, [&](Executor& executor) {
    return first_row(executor,
                     m_sql.queue_place,
                     sql_values(deployment_id, m_clock()),
                     [](const Row& row) -> Result<QueuePlace> {
                       return QueuePlace{ row.int64(0), row.int64(1) };
                     });
  });
}

Result<std::vector<DeadLetter>>
SqlStore::list_dead_letters()
{
  return run("list dead letters", "", [&](Executor& executor) {
    return all_rows(executor, m_sql.list_dead_letters, sql_values(), read_dead_letter);
  });
}

Result<StoreCounts>
SqlStore::counts()
{
  return run("count deployments and jobs", "", [&](Executor& executor) {
    return all_rows(executor, k_counts_query, sql_values(), read_count);
  });
}

Result<bool>
SqlStore::redrive(std::string_view deployment_id)
{
  return run("redrive deployment", deployment_id, [&](Executor& executor) -> Result<bool> {
    if (auto begun = executor.begin(); !begun) {
      return std::unexpected(begun.error());
    }
    auto removed = executor.execute(m_sql.delete_dead_letter, sql_values(deployment_id));
    if (!removed) {
      return std::unexpected(removed.error());
    }
    if (*removed == 0) {
      return false;
    }
    auto now = m_clock();
    if (auto done = executor.execute(m_sql.insert_job, sql_values(deployment_id, now)); !done) {
      return std::unexpected(done.error());
    }
    if (auto done = set_status(executor,
                               core::StatusChange{ .deployment_id = std::string(deployment_id),
                                                   .status = core::Status::pending,
                                                   .phase = core::Phase::none,
                                                   .error = {},
                                                   .commit = {},
                                                   .build_info = {} },
                               now);
        !done) {
      return std::unexpected(done.error());
    }
    if (auto committed = executor.commit(); !committed) {
      return std::unexpected(committed.error());
    }
    return true;
  });
}

// Moves the job to the dead-letter queue and its deployment to ERROR.
Result<void>
SqlStore::dead_letter(Executor& executor, const Job& job, std::int64_t now)
{
  auto reason = dead_letter_reason();
  if (auto done = executor.execute(m_sql.insert_dead_letter,
                                   sql_values(job.deployment_id, job.receives, reason, now));
      !done) {
    return std::unexpected(done.error());
  }
  if (auto done = executor.execute(m_sql.delete_job, sql_values(job.id)); !done) {
    return std::unexpected(done.error());
  }
  return set_status(executor,
                    core::StatusChange{ .deployment_id = job.deployment_id,
                                        .status = core::Status::error,
                                        .phase = core::Phase::none,
                                        .error = reason,
                                        .commit = {},
                                        .build_info = {} },
                    now);
}

} // namespace reactor::store
