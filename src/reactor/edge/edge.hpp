#pragma once

#include "reactor/edge/aliases.hpp"
#include "reactor/edge/protection.hpp"
#include "reactor/edge/site_cache.hpp"
#include "reactor/edge/skew.hpp"
#include "reactor/net/http_message.hpp"

#include <optional>
#include <string_view>

namespace reactor::edge {

// A manifest path resolved: the file to send and its status.
struct ResolvedPath
{
  std::string_view path; // the manifest key
  const objects::ManifestEntry* entry = nullptr;
  unsigned status = 200;
};

// Answers requests for http://<label>.<domain>/… from deployed sites: the label is a
// deployment id or a project's alias. A protected project's hostnames ask for its
// password first; on an alias, an asset missing from the deployment is looked for in
// the deployments the alias served before (skew protection).
class Edge
{
public:
  Edge(SiteCache& sites, AliasTable& aliases, ProtectionTable& protection, SkewTable& skew);

  // Serves from memory alone; nullopt when something must be loaded first (never blocks).
  std::optional<net::Response> serve_from_memory(const net::Request& request,
                                                 std::string_view label);
  // Serves, loading the manifest and file when missing (blocking).
  net::Response serve(const net::Request& request, std::string_view label);

private:
  std::optional<net::Response> respond(const net::Request& request,
                                       std::string_view label,
                                       bool may_block);
  // The response of the deployment `id`'s site, reached by hostname `label` (the id, or
  // an alias when `alias`).
  std::optional<net::Response> respond_from_site(const net::Request& request,
                                                 std::string_view id,
                                                 std::string_view label,
                                                 bool alias,
                                                 bool may_block);
  // nullopt when the request may see the site at `label`; otherwise the answer (401, or
  // 503 when the project cannot be read). Sets `blocked` instead when the check needs a
  // thread that may block.
  std::optional<net::Response> guard(const net::Request& request,
                                     const Site& site,
                                     std::string_view label,
                                     bool may_block,
                                     bool& blocked);
  // A missing asset `path` of alias `label`, from the deployments the alias served before
  // (newest first), with its own headers and X-Reactor-Skew naming the deployment;
  // nullopt when none has it (blocking).
  std::optional<net::Response> respond_from_earlier(const net::Request& request,
                                                    std::string_view label,
                                                    std::string_view path);
  // The response for a resolved path, after redirects, before header rules.
  std::optional<net::Response> respond_with_file(const net::Request& request,
                                                 const Site& site,
                                                 const ResolvedPath& resolved,
                                                 bool may_block);

  SiteCache& m_sites;
  AliasTable& m_aliases;
  ProtectionTable& m_protection;
  SkewTable& m_skew;
};

} // namespace reactor::edge
