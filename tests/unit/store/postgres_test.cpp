#include "reactor/store/metadata_store.hpp"
#include "reactor/store/postgres/postgres_store.hpp"
#include "reactor/util/random.hpp"

#include <gtest/gtest.h>

#include "postgres_test_support.hpp"
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace reactor::store {

namespace {

using namespace std::chrono_literals;

core::Deployment
deployment(std::string id)
{
  core::Deployment created;
  created.id = std::move(id);
  created.repo_url = "https://example.com/site.git";
  return created;
}

core::StatusChange
deployed(std::string id)
{
  core::StatusChange change;
  change.deployment_id = std::move(id);
  change.status = core::Status::deployed;
  return change;
}

// True once `condition` holds, false when it still does not after `timeout`.
bool
eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s)
{
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// What the generic suite cannot express: several processes' worth of store instances on
// one schema, notifications between them, and a server that drops connections.
class PostgresStoreTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    m_schema = postgres_test::schema_name("pg_" + util::random_hex(8));
    auto url = postgres_test::schema_url(m_schema);
    ASSERT_TRUE(url.has_value()) << url.error().message;
    m_url = *url;
  }

  void TearDown() override
  {
    if (!m_url.empty()) {
      (void)postgres_test::admin("DROP SCHEMA IF EXISTS " + m_schema + " CASCADE");
    }
  }

  std::unique_ptr<MetadataStore> open() const
  {
    auto store = postgres::create_store(m_url);
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Terminates every server process serving this test's connections; how many there were.
  int terminate_connections() const
  {
    auto killed = postgres_test::admin(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" +
      m_schema + "'");
    EXPECT_TRUE(killed.has_value()) << killed.error().message;
    // Let the server processes exit, so the next operation meets a closed connection.
    std::this_thread::sleep_for(200ms);
    return killed ? std::stoi(*killed) : 0;
  }

  std::string m_schema;
  std::string m_url;
};

TEST_F(PostgresStoreTest, CommitsOfAnotherInstanceFireOnChange)
{
  auto api = open();
  auto worker = open();
  ASSERT_TRUE(api && worker);
  std::atomic<int> api_calls{ 0 };
  std::atomic<int> worker_calls{ 0 };
  api->on_change([&] { ++api_calls; });
  worker->on_change([&] { ++worker_calls; });

  ASSERT_TRUE(worker->create_deployment(deployment("n1")).has_value());
  EXPECT_EQ(worker_calls.load(), 1);
  EXPECT_TRUE(eventually([&] { return api_calls.load() == 1; })) << api_calls.load();

  std::vector<std::string> lines{ "one" };
  ASSERT_TRUE(worker->append_logs("n1", lines).has_value());
  EXPECT_TRUE(eventually([&] { return api_calls.load() == 2; })) << api_calls.load();
  EXPECT_EQ(api->events_after(0, "n1", 10).value().size(), 2U);

  // A commit without events notifies nobody; the committing instance is never woken twice.
  ASSERT_TRUE(api->lease_job(60s).value().has_value());
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(api_calls.load(), 2);
  EXPECT_EQ(worker_calls.load(), 2);
}

TEST_F(PostgresStoreTest, ConcurrentLeasingAcrossInstancesNeverHandsAJobToTwoHolders)
{
  constexpr int k_jobs = 60;
  auto first = open();
  auto second = open();
  ASSERT_TRUE(first && second);
  for (int i = 0; i < k_jobs; ++i) {
    ASSERT_TRUE(first->create_deployment(deployment("j" + std::to_string(i))).has_value());
  }
  std::mutex mutex;
  std::vector<std::string> finished;
  std::atomic<int> failures{ 0 };
  std::vector<std::thread> workers;
  workers.reserve(6);
  for (int worker = 0; worker < 6; ++worker) {
    workers.emplace_back([&, store = worker % 2 == 0 ? first.get() : second.get()] {
      for (;;) {
        auto job = store->lease_job(60s);
        if (!job) {
          ++failures;
          return;
        }
        if (!*job) {
          return;
        }
        auto done = store->finish_job(**job, deployed((*job)->deployment_id));
        if (!done || !*done) {
          ++failures;
          return;
        }
        std::scoped_lock lock(mutex);
        finished.push_back((*job)->deployment_id);
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(finished.size(), static_cast<std::size_t>(k_jobs));
  EXPECT_EQ(std::set<std::string>(finished.begin(), finished.end()).size(),
            static_cast<std::size_t>(k_jobs));
  EXPECT_EQ(first->events_after(0, "", 1000).value().size(), static_cast<std::size_t>(2 * k_jobs));
}

TEST_F(PostgresStoreTest, SurvivesTheServerTerminatingItsConnections)
{
  auto store = open();
  ASSERT_TRUE(store);
  std::atomic<int> calls{ 0 };
  store->on_change([&] { ++calls; });
  ASSERT_TRUE(store->create_deployment(deployment("t1")).has_value());
  ASSERT_EQ(calls.load(), 1);

  // The pooled connection and the listener's.
  EXPECT_EQ(terminate_connections(), 2);
  auto created = store->create_deployment(deployment("t2"));
  ASSERT_TRUE(created.has_value()) << created.error().message;
  // The local commit, and the listener's wake-up after it reconnected.
  EXPECT_TRUE(eventually([&] { return calls.load() == 3; })) << calls.load();

  EXPECT_GE(terminate_connections(), 1);
  auto found = store->find_deployment("t2");
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_TRUE(found->has_value());
  auto events = store->events_after(0, "", 100);
  ASSERT_TRUE(events.has_value()) << events.error().message;
  EXPECT_EQ(events->size(), 2U);
}

TEST_F(PostgresStoreTest, ConcurrentAppendsAreFollowedInSeqOrderWithoutMissingAny)
{
  constexpr int k_writers = 4;
  constexpr int k_batches = 60;
  constexpr int k_lines = 3;
  std::vector<std::unique_ptr<MetadataStore>> writers;
  for (int writer = 0; writer < k_writers; ++writer) {
    writers.push_back(open());
    ASSERT_TRUE(writers.back());
    ASSERT_TRUE(
      writers.back()->create_deployment(deployment("w" + std::to_string(writer))).has_value());
  }
  auto reader = open();
  ASSERT_TRUE(reader);
  auto start = reader->last_event_seq().value();

  std::atomic<bool> writing{ true };
  std::atomic<int> failures{ 0 };
  std::vector<std::int64_t> seen;
  bool ordered = true;
  std::thread follower([&] {
    auto last = start;
    for (;;) {
      bool done = !writing.load();
      auto batch = reader->events_after(last, "", 50);
      if (!batch) {
        ++failures;
        return;
      }
      for (const auto& event : *batch) {
        ordered = ordered && event.seq > last;
        last = event.seq;
        seen.push_back(event.seq);
      }
      if (done && batch->empty()) {
        return;
      }
    }
  });
  std::vector<std::thread> threads;
  threads.reserve(k_writers);
  for (int writer = 0; writer < k_writers; ++writer) {
    threads.emplace_back([&, writer] {
      auto id = "w" + std::to_string(writer);
      for (int batch = 0; batch < k_batches; ++batch) {
        std::vector<std::string> lines;
        lines.reserve(k_lines);
        for (int line = 0; line < k_lines; ++line) {
          lines.push_back(id + " " + std::to_string(batch) + "." + std::to_string(line));
        }
        if (!writers[static_cast<std::size_t>(writer)]->append_logs(id, lines)) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  writing = false;
  follower.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(ordered);
  auto all = reader->events_after(start, "", 100000).value();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(k_writers * k_batches * k_lines));
  std::vector<std::int64_t> expected;
  expected.reserve(all.size());
  for (const auto& event : all) {
    expected.push_back(event.seq);
  }
  EXPECT_EQ(seen, expected);
  // Each writer's lines keep their order.
  for (int writer = 0; writer < k_writers; ++writer) {
    auto mine = reader->events_after(0, "w" + std::to_string(writer), 100000).value();
    ASSERT_EQ(mine.size(), static_cast<std::size_t>(1 + k_batches * k_lines));
    EXPECT_EQ(mine[1].line, "w" + std::to_string(writer) + " 0.0");
    EXPECT_EQ(mine.back().line, "w" + std::to_string(writer) + " 59.2");
  }
}

TEST_F(PostgresStoreTest, ProcessesStartingAtOnceMigrateOnce)
{
  std::atomic<int> opened{ 0 };
  std::vector<std::thread> starters;
  starters.reserve(4);
  for (int starter = 0; starter < 4; ++starter) {
    starters.emplace_back([&] {
      if (postgres::create_store(m_url)) {
        ++opened;
      }
    });
  }
  for (auto& starter : starters) {
    starter.join();
  }
  EXPECT_EQ(opened.load(), 4);
  auto version = postgres_test::admin("SELECT version FROM " + m_schema + ".schema_version");
  ASSERT_TRUE(version.has_value()) << version.error().message;
  EXPECT_EQ(*version, "11");
}

TEST_F(PostgresStoreTest, RefusesANewerSchema)
{
  ASSERT_TRUE(open());
  ASSERT_TRUE(
    postgres_test::admin("UPDATE " + m_schema + ".schema_version SET version = 999").has_value());
  auto store = postgres::create_store(m_url);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

TEST(PostgresStoreUrlTest, UnreachableServerFailsWithoutShowingThePassword)
{
  auto store = postgres::create_store("postgres://reactor:hunter2@127.0.0.1:1/reactor");
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find("cannot open the metadata store"), std::string::npos)
    << store.error().message;
  EXPECT_NE(store.error().message.find("127.0.0.1:1"), std::string::npos) << store.error().message;
  EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos) << store.error().message;

  auto wrong = postgres::create_store("mysql://127.0.0.1/db");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().message.find("postgres://"), std::string::npos) << wrong.error().message;
}

} // namespace

} // namespace reactor::store
