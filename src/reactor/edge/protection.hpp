#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/core/project.hpp"
#include "reactor/net/http_message.hpp"
#include "reactor/store/metadata_store.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reactor::edge {

// A project's protection as the edge checks it: what was stored when it was read, and
// the credentials verified lately (PBKDF2 is meant to be slow, so a browser sending the
// same header with every request pays for it once a minute at most).
class ProjectAccess
{
public:
  explicit ProjectAccess(const core::Project& project);

  // True when hostname `label` (an alias label or a deployment id) asks for credentials.
  bool protects(std::string_view label) const;
  // True when the request carries the bypass token or the password; nullopt when the
  // password must be verified first and `may_block` is false.
  std::optional<bool> admits(const net::Request& request, bool may_block) const;

private:
  std::string m_project;
  core::Protection m_protection;
  std::string m_password_hash;
  std::string m_bypass_hash;
  mutable std::mutex m_mutex;
  // SHA-256 of an Authorization header that carried the password → until when (steady ms)
  mutable std::unordered_map<std::string, std::int64_t> m_verified;
};

// The protection of each project, read from the store once and kept until the change
// feed says the project changed.
class ProtectionTable
{
public:
  explicit ProtectionTable(store::MetadataStore& store);

  // The project's protection if known; nullptr when it must be loaded (never blocks).
  std::shared_ptr<const ProjectAccess> cached(std::string_view project) const;
  // Reads it from the store (blocking); a project that no longer exists protects nothing.
  util::Result<std::shared_ptr<const ProjectAccess>> load(std::string_view project);
  // Forgets the projects of the project events among these change-feed events.
  void forget_changed(const std::vector<core::Event>& events);

private:
  store::MetadataStore& m_store;
  mutable std::shared_mutex m_mutex;
  std::map<std::string, std::shared_ptr<const ProjectAccess>, std::less<>> m_projects;
  // Counts forget_changed() calls that forgot something: a load that raced one does not
  // cache what it read.
  std::uint64_t m_changes = 0;
};

// The password of an `Authorization: Basic <base64 of user:password>` header (the user is
// ignored); nullopt when the header is no such thing.
std::optional<std::string> basic_password(std::string_view authorization);

// The answer to a request without valid credentials: 401 asking for Basic credentials
// for the project's realm, never cached.
net::Response unauthorized(std::string_view project);

} // namespace reactor::edge
