// The metadata store's build queue and change feed, measured through the MetadataStore
// interface on each backend given (the store that `reactor` itself opens for --db).
//
//   queue_bench --db sqlite:///tmp/x/bench.db --db postgres://… [--jobs 2000]
//               [--samples 200] [--poll-samples 30] [--threads 4]
//
// Each --db must name an empty database (or schema); bench/queue/run.sh makes them. For
// each backend, in order:
//   enqueue         create_deployment (the deployment, its job and its first event, one
//                   transaction), `jobs` times from 1 thread;
//   lease + ack     lease_job then finish_job(DEPLOYED) until those jobs are drained, from 1
//                   thread, then again (after as many new enqueues) from `threads` threads;
//   cycle           enqueue, lease and ack of one job per iteration, from 1 thread and from
//                   `threads` threads: the queue's whole round trip;
//   feed, same      one log line appended (append_logs, one transaction) until a reader on
//                   the SAME store instance has it from events_after, woken by on_change
//                   (the path of `reactor serve`);
//   feed, second    the same, read by a SECOND store instance (another process's view:
//                   the api reading what a worker wrote). Readers wait like the hub: woken
//                   by on_change, or after 1 s without a wake-up.
// Latency is from just before append_logs to the reader's events_after returning the
// line; one line at a time, 1–20 ms apart (1–1000 ms when the reader is never woken, as a
// second SQLite instance: it then finds each line on its next once-a-second read). Prints
// two markdown tables.
#include "reactor/app/backends.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/store/metadata_store.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using namespace reactor;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto k_lease = std::chrono::milliseconds(30'000);
constexpr auto k_reader_poll = std::chrono::seconds(1); // as the hub's fallback
constexpr std::string_view k_line_prefix = "feed ";

struct Options
{
  std::vector<std::string> dbs;
  int jobs = 2000;
  int samples = 200;
  int poll_samples = 30; // feed latency when the reader has no wake-up: ~0.5 s each
  int threads = 4;
};

[[noreturn]] void
usage(std::string_view problem)
{
  std::cerr << "queue_bench: " << problem
            << "\nusage: queue_bench --db URL [--db URL…] [--jobs N] [--samples N] "
               "[--poll-samples N] [--threads N]\n";
  std::exit(2);
}

Options
parse(int argc, char** argv)
{
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) {
      usage("missing value for " + std::string(flag));
    }
    const std::string value = argv[++i];
    auto number = [&] {
      const int parsed = std::atoi(value.c_str());
      if (parsed <= 0) {
        usage(std::string(flag) + " must be a positive number");
      }
      return parsed;
    };
    if (flag == "--db") {
      options.dbs.push_back(value);
    } else if (flag == "--jobs") {
      options.jobs = number();
    } else if (flag == "--samples") {
      options.samples = number();
    } else if (flag == "--poll-samples") {
      options.poll_samples = number();
    } else if (flag == "--threads") {
      options.threads = number();
    } else {
      usage("unknown flag " + std::string(flag));
    }
  }
  if (options.dbs.empty()) {
    usage("give at least one --db");
  }
  return options;
}

template<typename T>
T
check(util::Result<T> result, std::string_view what)
{
  if (!result) {
    std::cerr << "queue_bench: " << what << ": " << result.error().message << "\n";
    std::exit(1);
  }
  if constexpr (!std::is_void_v<T>) {
    return std::move(*result);
  }
}

std::unique_ptr<store::MetadataStore>
open_store(const std::string& url)
{
  return check(app::open_metadata_store(url, "."), "open " + url);
}

std::string
backend_name(const std::string& url)
{
  return url.substr(0, url.find(':'));
}

double
seconds_since(Clock::time_point start)
{
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string
create_one(store::MetadataStore& store)
{
  core::Deployment deployment;
  deployment.id = core::new_deployment_id();
  deployment.repo_url = "https://example.com/bench/app.git";
  check(store.create_deployment(deployment), "create_deployment");
  return deployment.id;
}

// Leases one job and acks it; false when none was visible.
bool
lease_and_ack(store::MetadataStore& store)
{
  auto job = check(store.lease_job(k_lease), "lease_job");
  if (!job) {
    return false;
  }
  const core::StatusChange done{ .deployment_id = job->deployment_id,
                                 .status = core::Status::deployed,
                                 .phase = core::Phase::none,
                                 .error = {},
                                 .commit = "0123abcd",
                                 .build_info = {} };
  if (!check(store.finish_job(*job, done), "finish_job")) {
    std::cerr << "queue_bench: finish_job lost a lease it had just taken\n";
    std::exit(1);
  }
  return true;
}

// Runs `body(count)` on `threads` threads sharing `total` iterations; returns per second.
template<typename Body>
double
per_second(int threads, int total, Body body)
{
  std::atomic<int> next{ 0 };
  const auto start = Clock::now();
  std::vector<std::jthread> running;
  running.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&] {
      while (next.fetch_add(1) < total) {
        body();
      }
    });
  }
  running.clear(); // joins
  return total / seconds_since(start);
}

struct Throughput
{
  double enqueue = 0;
  double drain_1 = 0;
  double drain_n = 0;
  double cycle_1 = 0;
  double cycle_n = 0;
};

Throughput
measure_queue(store::MetadataStore& store, const Options& options)
{
  Throughput result;
  result.enqueue = per_second(1, options.jobs, [&] { create_one(store); });
  result.drain_1 = per_second(1, options.jobs, [&] {
    if (!lease_and_ack(store)) {
      std::cerr << "queue_bench: the queue ran dry early\n";
      std::exit(1);
    }
  });
  per_second(1, options.jobs, [&] { create_one(store); });
  result.drain_n = per_second(options.threads, options.jobs, [&] {
    // Another thread may hold the last visible rows for a moment: try again.
    while (!lease_and_ack(store)) {
    }
  });
  result.cycle_1 = per_second(1, options.jobs, [&] {
    create_one(store);
    while (!lease_and_ack(store)) {
    }
  });
  result.cycle_n = per_second(options.threads, options.jobs, [&] {
    create_one(store);
    while (!lease_and_ack(store)) {
    }
  });
  if (auto left = check(store.lease_job(k_lease), "lease_job"); left) {
    std::cerr << "queue_bench: a job was left over: " << left->deployment_id << "\n";
    std::exit(1);
  }
  return result;
}

struct Latency
{
  int samples = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

std::int64_t
now_ns()
{
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
    .count();
}

// Writes `samples` lines through `writer`, one at a time and `max_pause_ms` apart at most
// (uniformly at random: when the reader polls, the writes must not keep step with it),
// each read back by a thread on `reader` (which may be the same instance) that waits like
// the hub does.
Latency
measure_feed(store::MetadataStore& writer,
             store::MetadataStore& reader,
             int samples,
             int max_pause_ms)
{
  struct Shared
  {
    std::mutex mutex;
    std::condition_variable woken;   // the reader: on_change ran
    std::condition_variable arrived; // the writer: the reader has read the line
    std::uint64_t wakeups = 0;
    int seen = 0;
    bool stopping = false;
    std::vector<double> latencies_ms;
  } shared;
  reader.on_change([&shared] {
    {
      std::scoped_lock lock(shared.mutex);
      ++shared.wakeups;
    }
    shared.woken.notify_one();
  });
  const auto id = create_one(writer);
  auto after = check(reader.last_event_seq(), "last_event_seq");

  std::jthread reading([&] {
    std::uint64_t handled = 0;
    for (;;) {
      {
        std::unique_lock lock(shared.mutex);
        shared.woken.wait_for(
          lock, k_reader_poll, [&] { return shared.stopping || shared.wakeups != handled; });
        if (shared.stopping) {
          return;
        }
        handled = shared.wakeups;
      }
      const auto events = check(reader.events_after(after, "", 1000), "events_after");
      const auto read_at = now_ns();
      std::scoped_lock lock(shared.mutex);
      for (const auto& event : events) {
        after = event.seq;
        if (event.kind == core::EventKind::log && event.line.starts_with(k_line_prefix)) {
          const auto written_at = std::stoll(event.line.substr(k_line_prefix.size()));
          shared.latencies_ms.push_back(static_cast<double>(read_at - written_at) / 1e6);
          ++shared.seen;
        }
      }
      shared.arrived.notify_one();
    }
  });

  std::mt19937 random(12345);
  std::uniform_int_distribution<int> pause_ms(1, max_pause_ms);
  for (int i = 1; i <= samples; ++i) {
    const std::array<std::string, 1> line{ std::string(k_line_prefix) + std::to_string(now_ns()) };
    check(writer.append_logs(id, line), "append_logs");
    std::unique_lock lock(shared.mutex);
    if (!shared.arrived.wait_for(lock, 10s, [&] { return shared.seen >= i; })) {
      std::cerr << "queue_bench: the reader did not see line " << i << " within 10 s\n";
      std::exit(1);
    }
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
  }
  {
    std::scoped_lock lock(shared.mutex);
    shared.stopping = true;
  }
  shared.woken.notify_one();
  reading.join();

  auto& values = shared.latencies_ms;
  std::ranges::sort(values);
  auto at = [&](double q) {
    return values[std::min(values.size() - 1, static_cast<std::size_t>(q * values.size()))];
  };
  return { static_cast<int>(values.size()), at(0.5), at(0.9), at(0.99), values.back() };
}

std::string
fixed(double value, int decimals)
{
  std::array<char, 64> text{};
  static_cast<void>(std::snprintf(text.data(), text.size(), "%.*f", decimals, value));
  return text.data();
}

std::string
describe(const Latency& latency)
{
  const int decimals = latency.p50_ms < 10 ? 2 : 0;
  return fixed(latency.p50_ms, decimals) + " / " + fixed(latency.p90_ms, decimals) + " / " +
         fixed(latency.p99_ms, decimals) + " / " + fixed(latency.max_ms, decimals) + " (" +
         std::to_string(latency.samples) + ")";
}

} // namespace

int
main(int argc, char** argv)
{
  const auto options = parse(argc, argv);
  struct Row
  {
    std::string backend;
    Throughput queue;
    Latency same;
    Latency second;
  };
  std::vector<Row> rows;
  for (const auto& url : options.dbs) {
    Row row{ backend_name(url), {}, {}, {} };
    std::cerr << "queue_bench: " << row.backend << ": queue (" << options.jobs << " jobs a run)\n";
    {
      auto store = open_store(url);
      row.queue = measure_queue(*store, options);
    }
    std::cerr << "queue_bench: " << row.backend << ": change feed, same instance\n";
    {
      auto store = open_store(url);
      row.same = measure_feed(*store, *store, options.samples, 20);
    }
    std::cerr << "queue_bench: " << row.backend << ": change feed, second instance\n";
    {
      auto writer = open_store(url);
      auto reader = open_store(url);
      const bool woken = row.backend.starts_with("postgres");
      row.second = woken ? measure_feed(*writer, *reader, options.samples, 20)
                         : measure_feed(*writer, *reader, options.poll_samples, 1000);
    }
    rows.push_back(std::move(row));
  }

  const auto n = std::to_string(options.threads);
  std::cout << "Queue throughput, operations per second (" << options.jobs
            << " jobs per run; higher is better):\n\n"
            << "| backend | enqueue, 1 thread | lease + ack, 1 thread | lease + ack, " << n
            << " threads | enqueue + lease + ack, 1 thread | enqueue + lease + ack, " << n
            << " threads |\n|---|--:|--:|--:|--:|--:|\n";
  for (const auto& row : rows) {
    std::cout << "| " << row.backend << " | " << fixed(row.queue.enqueue, 0) << " | "
              << fixed(row.queue.drain_1, 0) << " | " << fixed(row.queue.drain_n, 0) << " | "
              << fixed(row.queue.cycle_1, 0) << " | " << fixed(row.queue.cycle_n, 0) << " |\n";
  }
  std::cout << "\nChange-feed latency, commit to events_after on the reader, ms: p50 / p90 / "
               "p99 / max (samples):\n\n"
            << "| backend | same store instance (on_change) | second store instance |\n"
            << "|---|--:|--:|\n";
  for (const auto& row : rows) {
    std::cout << "| " << row.backend << " | " << describe(row.same) << " | " << describe(row.second)
              << " |\n";
  }
  return 0;
}
