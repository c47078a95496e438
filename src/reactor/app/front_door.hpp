#pragma once

#include "reactor/api/api.hpp"
#include "reactor/edge/custom_domains.hpp"
#include "reactor/edge/edge.hpp"
#include "reactor/hub/hub.hpp"
#include "reactor/net/router.hpp"

#include <boost/asio/thread_pool.hpp>

#include <string>

namespace reactor::app {

// Sends each request where it belongs: a site host, or a project's custom domain, to the
// edge, /ws to the hub, anything else to the API; blocking work runs on the pool. A role
// this node does not run is nullptr, and its requests get a 404 that says so.
class FrontDoor : public net::Router
{
public:
  FrontDoor(std::string domain,
            edge::Edge* edge,
            edge::CustomDomainTable* custom_domains,
            api::ApiContext* api,
            hub::Hub& hub,
            store::MetadataStore& store,
            boost::asio::thread_pool& pool);

  boost::asio::awaitable<net::Response> handle(net::Request request) override;
  std::shared_ptr<net::WebSocketPeer> accept_websocket(
    const net::Request& request,
    std::shared_ptr<net::Outbox> outbox) override;
  std::size_t max_body(std::string_view path) const override;

private:
  // The edge's answer for hostname label `label` (blocking work on the pool).
  boost::asio::awaitable<net::Response> serve_site(const net::Request& request, std::string label);
  // The project whose production the request's custom domain serves; "" for none.
  boost::asio::awaitable<std::string> custom_domain_project(const net::Request& request);

  std::string m_domain;
  edge::Edge* m_edge;
  edge::CustomDomainTable* m_custom_domains;
  api::ApiContext* m_api;
  hub::Hub& m_hub;
  store::MetadataStore& m_store;
  boost::asio::thread_pool& m_pool;
};

} // namespace reactor::app
