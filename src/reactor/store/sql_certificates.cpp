#include "reactor/store/sql_store_impl.hpp"

#include <charconv>

namespace reactor::store {

using namespace rows;

namespace {

std::string_view
state_name(CertificateState state)
{
  switch (state) {
    case CertificateState::issuing:
      return "issuing";
    case CertificateState::active:
      return "active";
    case CertificateState::error:
      return "error";
  }
  return "error";
}

Result<CertificateState>
parse_state(std::string_view name)
{
  for (const auto state :
       { CertificateState::issuing, CertificateState::active, CertificateState::error }) {
    if (state_name(state) == name) {
      return state;
    }
  }
  return util::fail("unknown certificate state '" + std::string(name) + "' in the store");
}

// Names are stored space-separated, failure times comma-separated.
template<typename Each>
void
split(std::string_view text, char separator, Each each)
{
  while (!text.empty()) {
    const auto end = text.find(separator);
    each(text.substr(0, end));
    text = end == std::string_view::npos ? "" : text.substr(end + 1);
  }
}

std::string
join_names(const std::vector<std::string>& names)
{
  std::string joined;
  for (const auto& name : names) {
    joined += (joined.empty() ? "" : " ") + name;
  }
  return joined;
}

std::string
join_times(const std::vector<std::int64_t>& times)
{
  std::string joined;
  for (const auto time : times) {
    joined += (joined.empty() ? "" : ",") + std::to_string(time);
  }
  return joined;
}

Result<ManagedCertificate>
read_certificate(const Row& row)
{
  ManagedCertificate certificate;
  split(row.text(0), ' ', [&](std::string_view name) { certificate.names.emplace_back(name); });
  auto state = parse_state(row.text(1));
  if (!state) {
    return std::unexpected(std::move(state.error()));
  }
  certificate.state = *state;
  certificate.chain_pem = row.text(2);
  certificate.sealed_key = row.text(3);
  certificate.not_before_ms = row.int64(4);
  certificate.not_after_ms = row.int64(5);
  certificate.last_error = row.text(6);
  certificate.next_attempt_ms = row.int64(7);
  split(row.text(8), ',', [&](std::string_view time) {
    std::int64_t value = 0;
    std::from_chars(time.data(), time.data() + time.size(), value);
    certificate.failures_ms.push_back(value);
  });
  certificate.updated_at_ms = row.int64(9);
  return certificate;
}

Result<AcmeAccount>
read_account(const Row& row)
{
  return AcmeAccount{ .url = row.text(0), .sealed_key = row.text(1) };
}

} // namespace

Result<std::vector<ManagedCertificate>>
SqlStore::certificates()
{
  return run("list the certificates", "", [&](Executor& executor) {
    return all_rows(executor, m_sql.certificates, {}, read_certificate);
  });
}

Result<void>
SqlStore::save_certificate(const ManagedCertificate& certificate)
{
  const auto name = certificate.names.empty() ? std::string() : certificate.names.front();
  return run("save the certificate", name, [&](Executor& executor) -> Result<void> {
    const auto names = join_names(certificate.names);
    const auto failures = join_times(certificate.failures_ms);
    auto saved = executor.execute(m_sql.upsert_certificate,
                                  sql_values(name,
                                             names,
                                             state_name(certificate.state),
                                             certificate.chain_pem,
                                             certificate.sealed_key,
                                             certificate.not_before_ms,
                                             certificate.not_after_ms,
                                             certificate.last_error,
                                             certificate.next_attempt_ms,
                                             failures,
                                             m_clock()));
    if (!saved) {
      return std::unexpected(saved.error());
    }
    return {};
  });
}

Result<std::optional<AcmeAccount>>
SqlStore::acme_account(std::string_view directory)
{
  return run("read the ACME account of", directory, [&](Executor& executor) {
    auto found = first_row(executor, m_sql.acme_account, sql_values(directory), read_account);
    if (found) {
      auto& account = *found;
      if (account) {
        account->directory = std::string(directory);
      }
    }
    return found;
  });
}

Result<bool>
SqlStore::save_acme_account(const AcmeAccount& account)
{
  return run(
    "save the ACME account of", account.directory, [&](Executor& executor) -> Result<bool> {
      auto inserted =
        executor.execute(m_sql.insert_acme_account,
                         sql_values(account.directory, account.url, account.sealed_key, m_clock()));
      if (!inserted) {
        return std::unexpected(inserted.error());
      }
      return *inserted > 0;
    });
}

Result<void>
SqlStore::put_acme_challenge(std::string_view token, std::string_view key_authorization)
{
  return run("store the ACME challenge", token, [&](Executor& executor) -> Result<void> {
    auto stored = executor.execute(m_sql.upsert_acme_challenge,
                                   sql_values(token, key_authorization, m_clock()));
    if (!stored) {
      return std::unexpected(stored.error());
    }
    return {};
  });
}

Result<std::optional<std::string>>
SqlStore::acme_challenge(std::string_view token)
{
  return run("read the ACME challenge", token, [&](Executor& executor) {
    return first_row(executor, m_sql.acme_challenge, sql_values(token), read_text);
  });
}

Result<void>
SqlStore::delete_acme_challenge(std::string_view token)
{
  return run("delete the ACME challenge", token, [&](Executor& executor) -> Result<void> {
    auto deleted = executor.execute(m_sql.delete_acme_challenge, sql_values(token));
    if (!deleted) {
      return std::unexpected(deleted.error());
    }
    return {};
  });
}

Result<int>
SqlStore::sweep_acme_challenges(std::int64_t before_ms)
{
  return run("sweep old ACME challenges", "", [&](Executor& executor) {
    return executor.execute(m_sql.sweep_acme_challenges, sql_values(before_ms));
  });
}

Result<bool>
SqlStore::take_lease(std::string_view name,
                     std::string_view holder,
                     std::chrono::milliseconds duration)
{
  return run("take the lease", name, [&](Executor& executor) -> Result<bool> {
    const auto now = m_clock();
    auto taken =
      executor.execute(m_sql.take_lease, sql_values(name, holder, now + duration.count(), now));
    if (!taken) {
      return std::unexpected(taken.error());
    }
    return *taken > 0;
  });
}

Result<void>
SqlStore::release_lease(std::string_view name, std::string_view holder)
{
  return run("release the lease", name, [&](Executor& executor) -> Result<void> {
    auto released = executor.execute(m_sql.release_lease, sql_values(name, holder));
    if (!released) {
      return std::unexpected(released.error());
    }
    return {};
  });
}

} // namespace reactor::store
