// Benchmark server for the live status fan-out: the real Reactor path, from a commit in
// the SQLite store through the hub's change feed to every /ws watcher.
//
//   hub_server [--port 0] [--threads CORES] [--deployments 1000] [--rate 1000]
//              [--duration 10] [--status-every 10]
//
// It creates the deployments d000000000, d000000001, … (the ids clients.mjs watches),
// serves /ws on 127.0.0.1 with the same wiring as `reactor serve` (net::Server, a router
// whose accept_websocket is hub::make_watch_peer on a 4-thread pool), prints
// "ready pid=<pid> port=<port> heap=1 commits=1", then reads commands on stdin:
//   go    runs the driver: `rate` events a second for `duration` seconds, round robin over
//         the deployments; every `status-every`-th one is a status change, the others a
//         log line "t=<CLOCK_MONOTONIC microseconds>" stamped just before its commit.
//         Prints "done events=<n> seconds=<s> emit_p50_us=… emit_p99_us=… emit_max_us=…"
//         when the last one is committed (emit: how long each store call took: the commit,
//         and reading the event back and writing it to the watchers), then
//         "commits <stamp>=<µs> …": for each log line, how long after its stamp the commit
//         was done, so that clients.mjs can measure from the committed change as well.
//   heap  prints "heap in_use=<bytes>": the bytes malloc has handed out and not taken
//         back (glibc mallinfo2), to tell live per-connection state from RSS slack.
//   quit  (or end of input) stops the server.
// node_peer.mjs implements the same contract over Node's `ws`; clients.mjs drives both.

#include "reactor/hub/hub.hpp"
#include "reactor/hub/watch_peer.hpp"
#include "reactor/net/server.hpp"
#include "reactor/store/feed_follower.hpp"
#include "reactor/store/sqlite/sqlite_store.hpp"

#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <malloc.h>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace reactor;

struct Options
{
  std::uint16_t port = 0;
  unsigned threads = std::max(1U, std::thread::hardware_concurrency()); // as `reactor serve`
  int deployments = 1000;
  double rate = 1000; // events a second, all deployments together
  double duration = 10;
  int status_every = 10;
};

[[noreturn]] void
usage(std::string_view problem)
{
  std::cerr << "hub_server: " << problem
            << "\nusage: hub_server [--port N] [--threads N] [--deployments N] [--rate "
               "EVENTS_PER_S] [--duration S] [--status-every N]\n";
  std::exit(2);
}

double
number(std::string_view name, const char* text)
{
  if (text == nullptr) {
    usage(std::string(name) + " needs a value");
  }
  double value = 0;
  const std::string_view view(text);
  auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (ec != std::errc() || end != view.data() + view.size() || value < 0) {
    usage(std::string(name) + " must be a non-negative number");
  }
  return value;
}

Options
parse(int argc, char** argv)
{
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view name(argv[i]);
    const char* value = i + 1 < argc ? argv[++i] : nullptr;
    if (name == "--port") {
      options.port = static_cast<std::uint16_t>(number(name, value));
    } else if (name == "--threads") {
      options.threads = std::max(1U, static_cast<unsigned>(number(name, value)));
    } else if (name == "--deployments") {
      options.deployments = std::max(1, static_cast<int>(number(name, value)));
    } else if (name == "--rate") {
      options.rate = number(name, value);
    } else if (name == "--duration") {
      options.duration = number(name, value);
    } else if (name == "--status-every") {
      options.status_every = std::max(1, static_cast<int>(number(name, value)));
    } else {
      usage("unknown option " + std::string(name));
    }
  }
  return options;
}

// CLOCK_MONOTONIC, the clock Node's process.hrtime reads: the client subtracts the stamp
// from its own reading of the same clock, with no wall-clock adjustment in between.
std::int64_t
monotonic_us()
{
  timespec now{};
  static_cast<void>(clock_gettime(CLOCK_MONOTONIC, &now));
  return std::int64_t{ now.tv_sec } * 1'000'000 + now.tv_nsec / 1000;
}

// Same ids in node_peer.mjs and clients.mjs: "d" and nine digits is a valid deployment id.
std::string
deployment_id(int index)
{
  std::array<char, 16> id{};
  static_cast<void>(std::snprintf(id.data(), id.size(), "d%09d", index));
  return id.data();
}

// /ws only, wired exactly as app::FrontDoor::accept_websocket does; no REST API needed.
class BenchRouter : public net::Router
{
public:
  BenchRouter(hub::Hub& hub, store::MetadataStore& store, boost::asio::thread_pool& pool)
    : m_hub(hub)
    , m_store(store)
    , m_pool(pool)
  {
  }

  boost::asio::awaitable<net::Response> handle(net::Request /*request*/) override
  {
    co_return net::json_error(404, "this benchmark server only serves /ws");
  }

  std::shared_ptr<net::WebSocketPeer> accept_websocket(const net::Request& request,
                                                       std::shared_ptr<net::Outbox> outbox) override
  {
    if (request.path() != "/ws") {
      return nullptr;
    }
    return hub::make_watch_peer(m_hub, m_store, m_pool.get_executor(), std::move(outbox));
  }

private:
  hub::Hub& m_hub;
  store::MetadataStore& m_store;
  boost::asio::thread_pool& m_pool;
};

struct DriveResult
{
  std::int64_t events = 0;
  double seconds = 0;
  // How long each event's store call took, in microseconds.
  std::vector<std::int64_t> emit_us;
  // Each log line's stamp, and how long after it the commit was done.
  std::vector<std::pair<std::int64_t, std::int64_t>> commit_us;
};

// Commits `rate` events a second for `duration` seconds. Each 1 ms tick commits every
// event due by then, one transaction each (node_peer.mjs ticks the same way).
// `committed_at` is the time the store's last commit was done (its on_change callback).
DriveResult
drive(store::MetadataStore& store,
      const std::vector<std::string>& ids,
      const Options& options,
      const std::atomic<std::int64_t>& committed_at)
{
  constexpr std::array phases{
    core::Phase::cloning, core::Phase::installing, core::Phase::building, core::Phase::uploading
  };
  const auto total = static_cast<std::int64_t>(options.rate * options.duration);
  const auto start = std::chrono::steady_clock::now();
  DriveResult result;
  result.emit_us.reserve(static_cast<std::size_t>(total));
  std::vector<std::string> line(1);
  std::int64_t& sent = result.events;
  while (sent < total) {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    const auto due = std::min(total, static_cast<std::int64_t>(elapsed.count() * options.rate));
    for (; sent < due; ++sent) {
      const std::string& id = ids[static_cast<std::size_t>(sent % std::ssize(ids))];
      const auto stamp = monotonic_us();
      if (sent % options.status_every == options.status_every - 1) {
        core::StatusChange change;
        change.deployment_id = id;
        change.status = core::Status::in_progress;
        change.phase =
          phases[static_cast<std::size_t>(sent / options.status_every) % phases.size()];
        if (auto done = store.update_status(change); !done || !*done) {
          std::cerr << "hub_server: status change of " << id << " failed\n";
        }
      } else {
        line.front().assign("t=").append(std::to_string(stamp));
        if (auto done = store.append_logs(id, line); !done) {
          std::cerr << "hub_server: " << done.error().message << "\n";
        }
        result.commit_us.emplace_back(stamp, committed_at.load() - stamp);
      }
      result.emit_us.push_back(monotonic_us() - stamp);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

// "done events=… seconds=… emit_p50_us=… emit_p99_us=… emit_max_us=…"
std::string
done_line(DriveResult result)
{
  auto& times = result.emit_us;
  std::sort(times.begin(), times.end());
  const auto at = [&](double p) {
    return times.empty()
             ? 0
             : times[std::min(times.size() - 1,
                              static_cast<std::size_t>(p * static_cast<double>(times.size())))];
  };
  return "done events=" + std::to_string(result.events) +
         " seconds=" + std::to_string(result.seconds) + " emit_p50_us=" + std::to_string(at(0.5)) +
         " emit_p99_us=" + std::to_string(at(0.99)) +
         " emit_max_us=" + std::to_string(times.empty() ? 0 : times.back());
}

// "commits <stamp>=<µs> …"
std::string
commits_line(const DriveResult& result)
{
  std::string line = "commits";
  for (const auto& [stamp, commit] : result.commit_us) {
    line.append(" ").append(std::to_string(stamp)).append("=").append(std::to_string(commit));
  }
  return line;
}

} // namespace

int
main(int argc, char** argv)
{
  const Options options = parse(argc, argv);

  std::string pattern =
    (std::filesystem::temp_directory_path() / "reactor-bench-hub-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("hub_server: mkdtemp");
    return 1;
  }
  const std::filesystem::path data_dir(pattern);
  auto created = store::sqlite::create_store(data_dir / "reactor.db");
  if (!created) {
    std::cerr << "hub_server: " << created.error().message << "\n";
    return 1;
  }
  store::MetadataStore& store = **created;

  std::vector<std::string> ids;
  for (int i = 0; i < options.deployments; ++i) {
    core::Deployment deployment;
    deployment.id = deployment_id(i);
    deployment.repo_url = "https://example.com/bench.git";
    if (auto done = store.create_deployment(deployment); !done) {
      std::cerr << "hub_server: " << done.error().message << "\n";
      return 1;
    }
    ids.push_back(deployment.id);
  }

  hub::Hub hub(store, "localhost");
  store::FeedFollower feed(store,
                           [&hub](const std::vector<core::Event>& events) { hub.deliver(events); });
  std::atomic<std::int64_t> committed_at{ 0 };
  store.on_change([&feed, &committed_at] {
    committed_at = monotonic_us(); // on_change runs once the commit is done
    feed.notify();
  });
  if (auto started = feed.start(); !started) {
    std::cerr << "hub_server: " << started.error().message << "\n";
    return 1;
  }
  boost::asio::thread_pool pool(4); // as `reactor serve`: runs the register reads
  BenchRouter router(hub, store, pool);
  net::Server server({ "127.0.0.1", options.port, options.threads }, router);
  if (auto bound = server.listen(); !bound) {
    std::cerr << "hub_server: " << bound.error().message << "\n";
    return 1;
  }
  std::jthread network([&server] { server.run(); });

  std::cout << "ready pid=" << getpid() << " port=" << server.port() << " heap=1 commits=1\n"
            << std::flush;
  for (std::string command; std::getline(std::cin, command);) {
    if (command == "go") {
      auto result = drive(store, ids, options, committed_at);
      const auto commits = commits_line(result);
      std::cout << done_line(std::move(result)) << "\n" << commits << '\n' << std::flush;
    } else if (command == "heap") {
      const auto info = mallinfo2();
      std::cout << "heap in_use=" << info.uordblks + info.hblkhd << '\n' << std::flush;
    } else if (command == "quit") {
      break;
    }
  }

  server.stop_now();
  network.join();
  pool.join();
  feed.stop();
  std::error_code ignored;
  std::filesystem::remove_all(data_dir, ignored);
  return 0;
}
