#include "reactor/edge/protection.hpp"

#include "reactor/util/password.hpp"
#include "reactor/util/sha256.hpp"
#include "reactor/util/text.hpp"

#include <openssl/evp.h>

#include <chrono>

namespace reactor::edge {

namespace {

// How long a verified password header is taken on trust, and how many are kept.
constexpr std::int64_t k_verified_ms = 60'000;
constexpr std::size_t k_max_verified = 1024;
// Projects kept at most; past it the table starts over.
constexpr std::size_t k_max_projects = 10'000;
constexpr std::size_t k_max_authorization = 4096;

std::int64_t
steady_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

} // namespace

ProjectAccess::ProjectAccess(const core::Project& project)
  : m_project(project.name)
  , m_protection(project.protection)
  , m_password_hash(project.password_hash)
  , m_bypass_hash(project.bypass_hash)
{
}

bool
ProjectAccess::protects(std::string_view label) const
{
  return core::is_protected(m_protection, m_project, label);
}

std::optional<bool>
ProjectAccess::admits(const net::Request& request, bool may_block) const
{
  if (const auto bypass = request.header("x-reactor-bypass");
      !bypass.empty() && util::verify_token(bypass, m_bypass_hash)) {
    return true;
  }
  const auto authorization = request.header("authorization");
  if (authorization.empty() || m_password_hash.empty()) {
    return false;
  }
  const auto key = util::sha256_hex(authorization);
  const auto now = steady_ms();
  {
    std::scoped_lock lock(m_mutex);
    if (const auto found = m_verified.find(key); found != m_verified.end() && found->second > now) {
      return true;
    }
  }
  if (!may_block) {
    return std::nullopt;
  }
  const auto password = basic_password(authorization);
  if (!password || !util::verify_password(*password, m_password_hash)) {
    return false;
  }
  std::scoped_lock lock(m_mutex);
  if (m_verified.size() >= k_max_verified) {
    m_verified.clear();
  }
  m_verified.insert_or_assign(key, now + k_verified_ms);
  return true;
}

ProtectionTable::ProtectionTable(store::MetadataStore& store)
  : m_store(store)
{
}

std::shared_ptr<const ProjectAccess>
ProtectionTable::cached(std::string_view project) const
{
  std::shared_lock lock(m_mutex);
  const auto found = m_projects.find(project);
  return found == m_projects.end() ? nullptr : found->second;
}

util::Result<std::shared_ptr<const ProjectAccess>>
ProtectionTable::load(std::string_view project)
{
  std::uint64_t changes_before = 0;
  {
    std::shared_lock lock(m_mutex);
    changes_before = m_changes;
  }
  auto found = m_store.find_project(project);
  if (!found) {
    return std::unexpected(found.error());
  }
  const auto& stored = *found;
  core::Project gone;
  gone.name = std::string(project);
  auto access = std::make_shared<const ProjectAccess>(stored ? *stored : gone);
  std::unique_lock lock(m_mutex);
  if (m_changes != changes_before) {
    return access; // a project changed meanwhile: what was read may already be stale
  }
  if (m_projects.size() >= k_max_projects) {
    m_projects.clear();
  }
  m_projects.insert_or_assign(std::string(project), access);
  return access;
}

void
ProtectionTable::forget_changed(const std::vector<core::Event>& events)
{
  std::unique_lock lock(m_mutex);
  for (const auto& event : events) {
    if (event.kind == core::EventKind::project) {
      if (const auto found = m_projects.find(event.line); found != m_projects.end()) {
        m_projects.erase(found);
      }
      ++m_changes;
    }
  }
}

std::optional<std::string>
basic_password(std::string_view authorization)
{
  constexpr std::string_view k_scheme = "basic ";
  if (authorization.size() <= k_scheme.size() || authorization.size() > k_max_authorization ||
      !util::equals_ignoring_case(authorization.substr(0, k_scheme.size()), k_scheme)) {
    return std::nullopt;
  }
  auto encoded = util::trim(authorization.substr(k_scheme.size()));
  if (encoded.empty() || encoded.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string decoded(encoded.size() / 4 * 3, '\0');
  const int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                   reinterpret_cast<const unsigned char*>(encoded.data()),
                                   static_cast<int>(encoded.size()));
  if (size < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the bytes the padding stands for too.
  const auto padding = encoded.size() - encoded.find_last_not_of('=') - 1;
  if (padding > 2) {
    return std::nullopt;
  }
  decoded.resize(static_cast<std::size_t>(size) - padding);
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  return decoded.substr(colon + 1);
}

net::Response
unauthorized(std::string_view project)
{
  net::Response response;
  response.status = 401;
  response.headers = { { "WWW-Authenticate", "Basic realm=\"" + std::string(project) + "\"" },
                       { "Cache-Control", "no-store" },
                       { "Content-Type", "text/plain; charset=utf-8" },
                       { "X-Content-Type-Options", "nosniff" } };
  response.body = "This deployment is protected: sign in with the project's password\n";
  return response;
}

} // namespace reactor::edge
