#include "reactor/app/serve.hpp"

#include "reactor/acme/manager.hpp"
#include "reactor/acme/solvers.hpp"
#include "reactor/api/deployment_json.hpp"
#include "reactor/app/backends.hpp"
#include "reactor/app/front_door.hpp"
#include "reactor/app/https_redirect.hpp"
#include "reactor/app/listeners.hpp"
#include "reactor/app/metrics.hpp"
#include "reactor/builder/git.hpp"
#include "reactor/builder/limits.hpp"
#include "reactor/builder/sandbox/sandbox_runner.hpp"
#include "reactor/builder/worker_pool.hpp"
#include "reactor/domains/resolver.hpp"
#include "reactor/domains/verifier.hpp"
#include "reactor/gc/collector.hpp"
#include "reactor/net/server.hpp"
#include "reactor/notify/notifier.hpp"
#include "reactor/store/feed_follower.hpp"
#include "reactor/tls/certificate_store.hpp"
#include "reactor/util/key_file.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/open_files.hpp"
#include "reactor/util/text.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <unistd.h>

namespace reactor::app {

namespace {

constexpr std::string_view k_hsts_header = "Strict-Transport-Security: max-age=63072000\r\n";

// Blocks SIGINT, SIGTERM and SIGHUP in every thread started after this, so one thread
// can wait for them with sigwait.
sigset_t
block_control_signals()
{
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Waits for SIGINT or SIGTERM, reloading the certificates (when there are any) at each
// SIGHUP; 0 once `done` is set first.
int
wait_for_signal(const sigset_t& signals,
                const std::atomic<bool>& done,
                tls::CertificateStore* certificates)
{
  const timespec tick{ 0, 200'000'000 };
  while (!done) {
    const int signal = sigtimedwait(&signals, nullptr, &tick);
    if (signal == SIGHUP) {
      util::log::info("reactor.reloading", { { "signal", "HUP" } });
      if (certificates != nullptr) {
        static_cast<void>(certificates->reload()); // a failure is logged, the old ones stay
      }
    } else if (signal > 0) {
      return signal;
    }
  }
  return 0;
}

bool
is_loopback(const std::string& host)
{
  return host == "localhost" || host.starts_with("127.") || host == "::1";
}

int
fail_startup(const std::string& message)
{
  util::log::error("startup.failed", { { "error", message } });
  return 1;
}

// "api,worker,edge"
std::string
role_names(Roles roles)
{
  std::string names;
  for (const auto& [on, name] : { std::pair{ roles.api, "api" },
                                  std::pair{ roles.worker, "worker" },
                                  std::pair{ roles.edge, "edge" } }) {
    if (on) {
      names += names.empty() ? "" : ",";
      names += name;
    }
  }
  return names;
}

// `path` made absolute against the directory Reactor started in.
std::filesystem::path
absolute_path(const std::filesystem::path& path)
{
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal();
}

// A sqlite:// or file:// URL with a relative path, made absolute; others as they are.
std::string
with_absolute_path(const std::string& url)
{
  for (const std::string_view scheme : { "sqlite://", "file://" }) {
    if (url.starts_with(scheme) && url.size() > scheme.size() && url[scheme.size()] != '/') {
      return std::string(scheme) + absolute_path(url.substr(scheme.size())).string();
    }
  }
  return url;
}

// Every path made absolute once, at start: the sandbox and child processes run in other
// directories, where a relative path names another place (bwrap, started in the
// workspace, was given the workspace again as a relative path and could not start).
ServeOptions
with_absolute_paths(ServeOptions options)
{
  options.data_dir = absolute_path(options.data_dir);
  options.secrets_key_file = options.secrets_key_file.empty()
                               ? options.data_dir / "secrets.key"
                               : absolute_path(options.secrets_key_file);
  if (!options.tls_cert.empty()) {
    options.tls_cert = absolute_path(options.tls_cert);
  }
  if (!options.tls_key.empty()) {
    options.tls_key = absolute_path(options.tls_key);
  }
  if (!options.acme_ca_file.empty()) {
    options.acme_ca_file = absolute_path(options.acme_ca_file);
  }
  if (!options.dns01_hook.empty()) {
    options.dns01_hook = absolute_path(options.dns01_hook);
  }
  options.db = with_absolute_path(options.db);
  options.store = with_absolute_path(options.store);
  return options;
}

// Why the API must not serve on `listen` (given as `text`) as configured; empty when it may.
std::string
api_access_problem(const ServeOptions& options,
                   Roles roles,
                   const ListenAddress& listen,
                   const std::string& text)
{
  if (roles.api && options.api_token.empty() && !options.insecure_public &&
      !is_loopback(listen.host)) {
    return "refusing to serve the API on " + text +
           " without an access token: set --api-token (or --api-token-file), or pass "
           "--insecure-public if the network is trusted";
  }
  return {};
}

struct Backends
{
  std::unique_ptr<store::MetadataStore> store;
  std::unique_ptr<objects::ObjectStore> objects;
};

// The data directory, created, and the metadata and object stores the URLs name in it.
util::Result<Backends>
open_backends(const ServeOptions& options)
{
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return util::fail("cannot create the data directory " + options.data_dir.string() + ": " +
                      ec.message());
  }
  auto store = open_metadata_store(options.db, options.data_dir);
  if (!store) {
    return std::unexpected(std::move(store.error()));
  }
  auto objects = open_object_store(options.store, options.data_dir, options.object_cache_bytes);
  if (!objects) {
    return std::unexpected(std::move(objects.error()));
  }
  return Backends{ std::move(*store), std::move(*objects) };
}

std::chrono::seconds
gc_grace(const ServeOptions& options)
{
  return std::chrono::duration_cast<std::chrono::seconds>(options.gc_grace);
}

builder::WorkerConfig
worker_config(const ServeOptions& options)
{
  builder::WorkerConfig config;
  config.work_dir = options.data_dir / "work";
  config.workers = options.workers > 0
                     ? options.workers
                     : builder::machine_worker_count(options.build_limits.memory_bytes);
  config.lease = options.lease_timeout;
  config.dependency_cache_dir = options.data_dir / "cache" / "deps";
  config.dependency_cache_bytes = options.dependency_cache_bytes;
  config.dependency_cache_max_age =
    std::chrono::duration_cast<std::chrono::seconds>(options.dependency_cache_max_age);
  config.build_cache_dir = options.data_dir / "cache" / "build";
  config.build_cache_bytes = options.build_cache_bytes;
  config.toolchain_dir = options.data_dir / "toolchains";
  config.pipeline.allow_local_repos = options.allow_local_repos;
  config.pipeline.build_network = options.build_network;
  config.pipeline.limits = options.build_limits;
  // The sweep's grace must be at least twice the reuse window (publish_output).
  config.pipeline.blob_reuse_window = gc_grace(options) / 2;
  return config;
}

// Logs how builds are limited and runs one real sandboxed command of each phase, so that
// what would fail every build is said at start.
void
check_builder(const builder::WorkerPool& workers, const builder::WorkerConfig& config)
{
  util::log::write(workers.enforces_all_limits() ? util::log::Level::info : util::log::Level::warn,
                   "builder.limits",
                   { { "workers", config.workers }, { "limits", workers.limits_status() } });
  if (const auto problem = builder::sandbox::sandbox_problem(
        config.work_dir / "self-test", config.pipeline.bwrap, config.pipeline.slirp4netns);
      !problem.empty()) {
    util::log::error("builder.sandbox",
                     { { "error", problem }, { "effect", "every build fails until it is fixed" } });
  }
}

// What an edge node keeps of the store, which the change feed keeps current.
struct EdgeTables
{
  edge::SiteCache& sites;
  edge::AliasTable& aliases;
  edge::ProtectionTable& protection;
  edge::SkewTable& skew;
  edge::CustomDomainTable& custom_domains;
};

// What the process does with the change feed: the hub's watchers get each event,
// deployments deleted through any api node stop being served here, and aliases moved and
// projects changed through any node are read again.
store::FeedFollower::OnEvents
feed_delivery(hub::Hub& hub, EdgeTables tables, Roles roles)
{
  return [&hub, tables, roles](const std::vector<core::Event>& events) {
    if (roles.api) {
      hub.deliver(events);
    }
    if (roles.edge) {
      tables.sites.forget_deleted(events);
      tables.aliases.forget_moved(events);
      tables.protection.forget_changed(events);
      tables.skew.forget_changed(events);
      tables.custom_domains.forget_changed(events);
    }
  };
}

// A repository's default branch, read as a clone would reach it.
util::Result<std::string>
read_default_branch(const std::string& repo_url, bool allow_local)
{
  constexpr std::chrono::seconds k_timeout{ 20 };
  builder::CloneRequest request;
  request.url = repo_url;
  request.allow_local = allow_local;
  request.timeout = k_timeout;
  auto branch = builder::remote_default_branch(request);
  if (!branch) {
    return util::fail(std::move(branch.error().message));
  }
  return std::move(*branch);
}

api::ApiContext
make_api_context(const ServeOptions& options,
                 Roles roles,
                 const Backends& backends,
                 hub::Hub& hub,
                 builder::WorkerPool& workers,
                 std::optional<api::RateLimiter>& deploy_limiter,
                 edge::SiteCache& sites,
                 gc::Collector& collector)
{
  return { .store = *backends.store,
           .hub = hub,
           .allow_local_repos = options.allow_local_repos,
           .default_branch =
             [allow_local = options.allow_local_repos](const std::string& repo_url) {
               return read_default_branch(repo_url, allow_local);
             },
           // Another process's workers pick the job up through the store; local ones are woken.
           .on_enqueued =
             [&workers, roles] {
               if (roles.worker) {
                 workers.wake();
               }
             },
           .api_token = options.api_token,
           .deploy_limiter = deploy_limiter ? &*deploy_limiter : nullptr,
           .objects = backends.objects.get(),
           .on_deleted = [&sites](std::string_view id) { sites.forget_site(id); },
           .render_metrics = render_metrics,
           .collector = &collector,
           .api_hosts = api::api_host_names(options.public_url, options.domain, options.api_hosts),
           .site_domain = options.domain,
           .public_ips = options.public_ips,
           .orders_certificates = !options.acme_email.empty() };
}

// Where sites are served: the public URL, or the domain on the port the server bound
// (the HTTPS one when there is one, left out when it is 443).
std::string
site_url_template(const ServeOptions& options, std::uint16_t port, bool https)
{
  if (!options.public_url.empty()) {
    return options.public_url;
  }
  if (https) {
    return "https://{id}." + options.domain + (port == 443 ? "" : ":" + std::to_string(port));
  }
  return "http://{id}." + options.domain + ":" + std::to_string(port);
}

// The first signal stops accepting, lets requests finish within the grace and hands
// running builds back; a second one cuts the requests short. Returns once `stopped` is set
// or all is stopped. `servers` is empty when the node does not listen; `certificates` is
// what SIGHUP reloads (null without HTTPS).
void
stop_on_signals(const sigset_t& signals,
                const std::atomic<bool>& stopped,
                const std::vector<net::Server*>& servers,
                tls::CertificateStore* certificates,
                builder::WorkerPool& workers,
                std::chrono::milliseconds grace)
{
  int signal = wait_for_signal(signals, stopped, certificates);
  if (signal == 0) {
    return;
  }
  util::log::info("reactor.stopping", { { "signal", sigabbrev_np(signal) } });
  if (!servers.empty()) {
    util::log::info("server.draining", { { "grace_ms", grace.count() } });
  }
  for (auto* server : servers) {
    server->stop(grace);
  }
  workers.stop();
  util::log::info("workers.stopped");
  if (servers.empty()) {
    return;
  }
  signal = wait_for_signal(signals, stopped, certificates);
  if (signal != 0) {
    util::log::warn("server.stopping_now", { { "signal", sigabbrev_np(signal) } });
    for (auto* server : servers) {
      server->stop_now();
    }
  }
}

void
log_started(const ServeOptions& options, Roles roles, std::uint64_t open_files)
{
  util::log::info(
    "reactor.started",
    { { "roles", role_names(roles) },
      { "open_files", open_files },
      { "db", options.db.empty() ? "sqlite (data dir)" : util::without_password(options.db) },
      { "store", options.store.empty() ? "file (data dir)" : options.store },
      { "data_dir", options.data_dir.string() } });
}

} // namespace

int
run_node(const ServeOptions& given, Roles roles)
{
  const ServeOptions options = with_absolute_paths(given);
  util::log::configure(options.log_level, options.log_format);
  const sigset_t signals = block_control_signals();
  const auto open_files = util::raise_open_file_limit();
  auto listen = parse_listen(options.listen, "--listen");
  if (!listen) {
    return fail_startup(listen.error().message);
  }
  if (const auto problem = api_access_problem(options, roles, *listen, options.listen);
      !problem.empty()) {
    return fail_startup(problem);
  }
  if (!options.dns_resolver.empty()) {
    if (auto usable = domains::check_resolver(options.dns_resolver); !usable) {
      return fail_startup(usable.error().message);
    }
  }
  auto opened_https = open_https(options);
  if (!opened_https) {
    return fail_startup(opened_https.error().message);
  }
  std::optional<Https> https_setup = std::move(*opened_https);
  Https* https = https_setup ? &*https_setup : nullptr;
  if (https != nullptr) {
    if (const auto problem =
          api_access_problem(options, roles, https->listen, options.listen_https);
        !problem.empty()) {
      return fail_startup(problem);
    }
  }
  auto backends = open_backends(options);
  if (!backends) {
    return fail_startup(backends.error().message);
  }
  auto& store = *backends->store;
  auto& objects = *backends->objects;
  if (https != nullptr) {
    // Any node answers a CA's TLS-ALPN-01 validation, whichever node ordered.
    https->certificates->answer_alpn_challenges(
      [&store](const std::string& name) { return acme::tls_alpn01_answer(store, name); });
  }

  // The API seals project variables with it and workers open them; an edge needs it only
  // for ACME's certificate keys. A worker alone never makes one: a key of its own could
  // open nothing the API sealed.
  const bool acme = https != nullptr && !options.acme_email.empty();
  std::optional<util::SecretKey> secrets_key;
  std::error_code ec;
  if (!roles.api && roles.worker && !acme &&
      !std::filesystem::exists(options.secrets_key_file, ec)) {
    util::log::warn("secrets.no_key",
                    { { "path", options.secrets_key_file.string() },
                      { "effect",
                        "builds of projects with variables fail until the api's key is "
                        "copied there (--secrets-key-file)" } });
  } else if (roles.api || roles.worker || acme) {
    auto key = util::load_or_create_secret_key(options.secrets_key_file);
    if (!key) {
      return fail_startup(key.error().message);
    }
    secrets_key = *key;
  }
  // Where sites are served: known once the server listens, before any build starts.
  std::string site_urls;

  hub::Hub hub(store, options.domain);
  auto workers_config = worker_config(options);
  workers_config.pipeline.secrets_key = secrets_key ? &*secrets_key : nullptr;
  workers_config.pipeline.site_url = [&site_urls](std::string_view label) {
    return api::site_url(site_urls, label);
  };
  builder::WorkerPool workers(store, objects, workers_config);
  gc::Collector collector(store, objects, gc_grace(options), [&workers, roles] {
    return roles.worker ? workers.trim_caches() : gc::CacheTrim{};
  });
  if (roles.worker) {
    check_builder(workers, workers_config);
  }
  notify::Notifier notifier(store,
                            { .allow_loopback = options.allow_local_repos,
                              .secrets_key = secrets_key ? &*secrets_key : nullptr,
                              .site_url = workers_config.pipeline.site_url });
  domains::DomainVerifier domain_verifier(store,
                                          { .site_domain = options.domain,
                                            .resolver = options.dns_resolver,
                                            .public_ips = options.public_ips,
                                            .recheck = options.domain_recheck });

  boost::asio::thread_pool pool(4);
  edge::SiteCache sites(store, objects, options.edge_cache_bytes);
  edge::AliasTable aliases(store);
  edge::ProtectionTable protection(store);
  edge::SkewTable skew(store);
  edge::CustomDomainTable custom_domains(store);
  edge::Edge edge(sites, aliases, protection, skew);
  // One reader of the change feed for the process; an edge-only node reads only the
  // deletions and alias moves, not every build log line.
  const bool follows_feed = roles.api || roles.edge;
  store::FeedFollower feed(
    store,
    feed_delivery(hub, { sites, aliases, protection, skew, custom_domains }, roles),
    roles.api ? store::FeedFollower::Events::all : store::FeedFollower::Events::edge);
  if (follows_feed) {
    store.on_change([&feed] { feed.notify(); });
  }
  std::optional<api::RateLimiter> deploy_limiter;
  if (options.deploy_rate_per_minute > 0) {
    deploy_limiter.emplace(options.deploy_rate_per_minute, options.deploy_rate_per_minute / 3);
  }
  auto api_context =
    make_api_context(options, roles, *backends, hub, workers, deploy_limiter, sites, collector);
  FrontDoor front_door(options.domain,
                       roles.edge ? &edge : nullptr,
                       roles.edge ? &custom_domains : nullptr,
                       roles.api ? &api_context : nullptr,
                       hub,
                       store,
                       pool);

  const unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  const bool listening = roles.api || roles.edge;
  // With HTTPS, the router serves there and plain HTTP redirects to it.
  std::optional<net::Server> https_server;
  std::optional<HttpsRedirect> redirect;
  std::uint16_t https_port = 0;
  if (https != nullptr) {
    https_server.emplace(
      net::ServerOptions{ .address = https->listen.host,
                          .port = https->listen.port,
                          .threads = threads,
                          .tls = &https->certificates->front(),
                          .extra_headers = options.hsts ? std::string(k_hsts_header) : "" },
      front_door);
    if (listening) {
      if (auto bound = https_server->listen(); !bound) {
        return fail_startup(bound.error().message);
      }
    }
    https_port = listening ? https_server->port() : https->listen.port;
    redirect.emplace(front_door, https_port);
  }
  net::Router& plain_router = redirect ? static_cast<net::Router&>(*redirect) : front_door;
  net::Server server({ .address = listen->host, .port = listen->port, .threads = threads },
                     plain_router);
  if (listening) {
    if (auto bound = server.listen(); !bound) {
      return fail_startup(bound.error().message);
    }
  }
  if (https != nullptr) {
    site_urls = site_url_template(options, https_port, true);
  } else {
    site_urls = site_url_template(options, listening ? server.port() : listen->port, false);
  }
  api_context.site_url_template = site_urls;
  api_context.secrets_key = secrets_key ? &*secrets_key : nullptr;
  if (follows_feed) {
    if (auto started = feed.start(); !started) {
      return fail_startup(started.error().message);
    }
  }
  if (roles.worker) {
    workers.start();
    collector.start(std::chrono::duration_cast<std::chrono::seconds>(options.gc_interval));
    notifier.start(); // a worker's job too: any node may send what any node queued
    domain_verifier.start();
  }

  // After the listeners: HTTP-01 challenges are answered from the start.
  std::optional<acme::Manager> certificates_manager;
  if (acme) {
    certificates_manager.emplace(store, *https->certificates, *secrets_key, acme_settings(options));
    certificates_manager->start();
  }

  std::atomic<bool> stopped{ false };
  std::vector<net::Server*> servers;
  if (listening) {
    servers.push_back(&server);
    if (https_server) {
      servers.push_back(&*https_server);
    }
  }
  std::jthread signal_waiter([&] {
    stop_on_signals(signals,
                    stopped,
                    servers,
                    https != nullptr ? https->certificates.get() : nullptr,
                    workers,
                    options.shutdown_grace);
  });
  log_started(options, roles, open_files);
  if (listening) {
    // Before reactor.serving, which tells tests and scripts that everything listens.
    if (https != nullptr) {
      util::log::info(
        "reactor.serving_https",
        { { "url", "https://" + https->listen.host + ":" + std::to_string(https_port) } });
    }
    util::log::info("reactor.serving",
                    { { "url", "http://" + listen->host + ":" + std::to_string(server.port()) },
                      { "sites", api_context.site_url_template } });
    std::jthread https_thread;
    if (https_server) {
      https_thread = std::jthread([&https_server] { https_server->run(); });
    }
    server.run();
    if (https_thread.joinable()) {
      https_thread.join();
    }
    util::log::info("server.stopped");
    stopped = true;
  }
  signal_waiter.join();
  pool.join();
  feed.stop();
  util::log::info("reactor.stopped");
  return 0;
}

} // namespace reactor::app
