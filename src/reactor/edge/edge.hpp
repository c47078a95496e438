#pragma once

#include "reactor/edge/aliases.hpp"
#include "reactor/edge/site_cache.hpp"
#include "reactor/net/http_message.hpp"

#include <optional>
#include <string_view>

namespace reactor::edge {

// Answers requests for http://<label>.<domain>/… from deployed sites: the label is a
// deployment id or a project's alias.
class Edge
{
public:
  Edge(SiteCache& sites, AliasTable& aliases);

  // Serves from memory alone; nullopt when something must be loaded first (never blocks).
  std::optional<net::Response> serve_from_memory(const net::Request& request,
                                                 std::string_view label);
  // Serves, loading the manifest and file when missing (blocking).
  net::Response serve(const net::Request& request, std::string_view label);

private:
  std::optional<net::Response> respond(const net::Request& request,
                                       std::string_view label,
                                       bool may_block);
  // The response of the deployment `id`'s site.
  std::optional<net::Response> respond_from_site(const net::Request& request,
                                                 std::string_view id,
                                                 bool may_block);
  // The response for a manifest path, after redirects, before header rules.
  std::optional<net::Response> respond_with_file(const net::Request& request,
                                                 const Site& site,
                                                 std::string_view path,
                                                 bool may_block);

  SiteCache& m_sites;
  AliasTable& m_aliases;
};

} // namespace reactor::edge
