#include "reactor/app/front_door.hpp"

#include "reactor/acme/solvers.hpp"
#include "reactor/app/metrics.hpp"
#include "reactor/edge/host.hpp"
#include "reactor/hub/watch_peer.hpp"
#include "reactor/util/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

namespace reactor::app {

namespace asio = boost::asio;

namespace {

template<typename Function>
asio::awaitable<std::invoke_result_t<Function>>
call(Function function)
{
  co_return function();
}

// Runs a blocking function on the pool and resumes the caller with its result. The
// function only captures references: g++ 12 double-destroys non-trivial captures of
// lambdas passed through coroutines.
template<typename Function>
asio::awaitable<std::invoke_result_t<Function>>
on_pool(asio::thread_pool& pool, Function function)
{
  auto task = call(std::move(function)); // a named local, not a temporary in co_await
  co_return co_await asio::co_spawn(pool, std::move(task), asio::use_awaitable);
}

constexpr std::string_view k_acme_challenges = "/.well-known/acme-challenge/";

// The key authorization an order in progress stored for an HTTP-01 token (RFC 8555 §8.3).
net::Response
acme_challenge_answer(store::MetadataStore& store, const std::string& token)
{
  if (!acme::is_http01_token(token)) {
    return net::json_error(404, "No ACME challenge is pending for this token");
  }
  auto answer = store.acme_challenge(token);
  if (!answer) {
    return net::json_error(503, answer.error().message);
  }
  auto& key_authorization = *answer;
  if (!key_authorization) {
    return net::json_error(404, "No ACME challenge is pending for this token");
  }
  net::Response response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "application/octet-stream");
  response.body = std::move(*key_authorization);
  return response;
}

} // namespace

FrontDoor::FrontDoor(std::string domain,
                     edge::Edge* edge,
                     edge::CustomDomainTable* custom_domains,
                     api::ApiContext* api,
                     hub::Hub& hub,
                     store::MetadataStore& store,
                     asio::thread_pool& pool)
  : m_domain(std::move(domain))
  , m_edge(edge)
  , m_custom_domains(custom_domains)
  , m_api(api)
  , m_hub(hub)
  , m_store(store)
  , m_pool(pool)
{
}

asio::awaitable<net::Response>
FrontDoor::serve_site(const net::Request& request, std::string label)
{
  auto& metrics = site_metrics();
  auto response = m_edge->serve_from_memory(request, label);
  (response ? metrics.memory_hits : metrics.memory_misses).add();
  if (!response) {
    response =
      co_await on_pool(m_pool, [this, &request, &label] { return m_edge->serve(request, label); });
  }
  const std::size_t status_class = std::min<std::size_t>(response->status / 100, 5);
  metrics.requests[status_class].add();
  metrics.bytes[status_class].add(response->body_size());
  co_return std::move(*response);
}

asio::awaitable<std::string>
FrontDoor::custom_domain_project(const net::Request& request)
{
  if (m_custom_domains == nullptr) {
    co_return std::string();
  }
  if (auto project = m_custom_domains->cached(request.host)) {
    co_return std::move(*project);
  }
  auto loaded = co_await on_pool(m_pool, [this] { return m_custom_domains->load(); });
  if (!loaded) {
    util::log::warn("domains.load_failed", { { "error", loaded.error().message } });
  }
  co_return m_custom_domains->cached(request.host).value_or("");
}

asio::awaitable<net::Response>
FrontDoor::handle(net::Request request)
{
  if (request.path().starts_with(k_acme_challenges)) {
    const std::string token(request.path().substr(k_acme_challenges.size()));
    co_return co_await on_pool(m_pool,
                               [this, &token] { return acme_challenge_answer(m_store, token); });
  }
  if (const auto label = edge::site_label(request.host, m_domain)) {
    if (m_edge == nullptr) {
      co_return net::json_error(404, "This Reactor node does not serve sites (no edge role)");
    }
    co_return co_await serve_site(request, std::string(*label));
  }
  if (auto project = co_await custom_domain_project(request); !project.empty()) {
    co_return co_await serve_site(request, std::move(project)); // its production
  }
  if (m_api == nullptr) {
    co_return net::json_error(404, "This Reactor node only serves sites (no api role)");
  }
  co_return co_await on_pool(m_pool, [this, &request] { return api::handle(request, *m_api); });
}

std::shared_ptr<net::WebSocketPeer>
FrontDoor::accept_websocket(const net::Request& request, std::shared_ptr<net::Outbox> outbox)
{
  if (m_api == nullptr || edge::site_label(request.host, m_domain) || request.path() != "/ws" ||
      !api::is_api_host(request.host, m_api->api_hosts)) {
    return nullptr;
  }
  return hub::make_watch_peer(m_hub, m_store, m_pool.get_executor(), std::move(outbox));
}

std::size_t
FrontDoor::max_body(std::string_view path) const
{
  return m_api != nullptr ? api::max_body(path) : net::k_default_max_body;
}

} // namespace reactor::app
