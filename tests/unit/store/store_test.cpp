#include "reactor/store/metadata_store.hpp"
#include "reactor/store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "postgres_test_support.hpp"
#include "support/temp_dir.hpp"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace reactor::store {

namespace {

using namespace std::chrono_literals;
using core::Deployment;
using core::EventKind;
using core::Phase;
using core::Status;
using core::StatusChange;

// Opens (or reopens) the store kept at a path, reading the time from the clock; a backend
// maps the path to its database.
using StoreFactory =
  std::function<util::Result<std::unique_ptr<MetadataStore>>(const std::filesystem::path&, Clock)>;

struct Backend
{
  std::string name;
  StoreFactory open;
  std::function<void(const std::filesystem::path&)> remove; // drops what open made
};

Deployment
deployment(std::string id)
{
  return Deployment{ .id = std::move(id),
                     .repo_url = "https://example.com/site.git",
                     .ref = "main",
                     .status = Status::pending,
                     .phase = Phase::none,
                     .error = {},
                     .commit = {},
                     .created_at_ms = 0,
                     .updated_at_ms = 0 };
}

StatusChange
change(std::string id, Status status, Phase phase = Phase::none, std::string error = {})
{
  return StatusChange{ .deployment_id = std::move(id),
                       .status = status,
                       .phase = phase,
                       .error = std::move(error),
                       .commit = {} };
}

// The stores' time in these tests: it moves only when a test advances it, so leases
// expire without waiting.
class ManualClock
{
public:
  Clock clock() const
  {
    return [this] { return m_now.load(); };
  }
  void advance(std::chrono::milliseconds by) { m_now += by.count(); }

private:
  std::atomic<std::int64_t> m_now{ wall_clock_ms() };
};

// The same suite runs against every backend: each test gets a fresh database.
class MetadataStoreTest : public ::testing::TestWithParam<Backend>
{
protected:
  void SetUp() override
  {
    m_store = open();
    ASSERT_NE(m_store, nullptr);
  }

  void TearDown() override
  {
    m_store.reset();
    if (GetParam().remove) {
      GetParam().remove(path());
    }
  }

  std::filesystem::path path() const { return m_directory.path() / "metadata.db"; }

  std::unique_ptr<MetadataStore> open() const
  {
    auto store = GetParam().open(path(), m_clock.clock());
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  MetadataStore& store() { return *m_store; }

  void advance(std::chrono::milliseconds by) { m_clock.advance(by); }
  // The store's clock now, in ms.
  std::int64_t now() const { return m_clock.clock()(); }

  void create(const std::string& id)
  {
    auto created = store().create_deployment(deployment(id));
    ASSERT_TRUE(created.has_value()) << created.error().message;
  }

  Deployment find(const std::string& id)
  {
    auto found = store().find_deployment(id);
    EXPECT_TRUE(found.has_value()) << found.error().message;
    EXPECT_TRUE(found && found->has_value()) << id;
    return found && *found ? **found : Deployment{};
  }

  std::vector<core::Event> events(const std::string& id = {})
  {
    auto events = store().events_after(0, id, 1000);
    EXPECT_TRUE(events.has_value()) << events.error().message;
    return events ? *events : std::vector<core::Event>{};
  }

  std::optional<Job> lease(std::chrono::milliseconds duration)
  {
    auto job = store().lease_job(duration);
    EXPECT_TRUE(job.has_value()) << job.error().message;
    return job ? *job : std::nullopt;
  }

  std::vector<DeadLetter> dead_letters()
  {
    auto letters = store().list_dead_letters();
    EXPECT_TRUE(letters.has_value()) << letters.error().message;
    return letters ? *letters : std::vector<DeadLetter>{};
  }

  // Leases the job k_max_receives times, letting every lease expire.
  void exhaust_receives()
  {
    for (int receive = 1; receive <= k_max_receives; ++receive) {
      auto job = lease(30ms);
      ASSERT_TRUE(job.has_value());
      ASSERT_EQ(job->receives, receive);
      advance(60ms);
    }
  }

private:
  ManualClock m_clock; // outlives every store of the test
  reactor::testing::TempDir m_directory;
  std::unique_ptr<MetadataStore> m_store;
};

TEST_P(MetadataStoreTest, CreateInsertsPendingDeploymentJobAndEvent)
{
  create("a1");

  auto found = find("a1");
  EXPECT_EQ(found.status, Status::pending);
  EXPECT_EQ(found.phase, Phase::none);
  EXPECT_EQ(found.repo_url, "https://example.com/site.git");
  EXPECT_EQ(found.ref, "main");
  EXPECT_GT(found.created_at_ms, 0);

  auto feed = events();
  ASSERT_EQ(feed.size(), 1U);
  EXPECT_EQ(feed[0].deployment_id, "a1");
  EXPECT_EQ(feed[0].kind, EventKind::status);
  EXPECT_EQ(feed[0].status, Status::pending);

  auto job = lease(60s);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->deployment_id, "a1");
  EXPECT_EQ(job->receives, 1);
  EXPECT_FALSE(job->lease_token.empty());
}

TEST_P(MetadataStoreTest, DuplicateIdFailsAndLeavesOneRowOneJobOneEvent)
{
  create("dup");
  auto second = deployment("dup");
  second.repo_url = "https://example.com/other.git";

  auto created = store().create_deployment(second);
  ASSERT_FALSE(created.has_value());
  EXPECT_NE(created.error().message.find("already exists"), std::string::npos)
    << created.error().message;

  auto all = store().list_deployments(10);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ(all->front().repo_url, "https://example.com/site.git");
  EXPECT_EQ(events().size(), 1U);
  EXPECT_TRUE(lease(60s).has_value());
  EXPECT_FALSE(lease(60s).has_value());
}

TEST_P(MetadataStoreTest, FindAndListDeployments)
{
  auto missing = store().find_deployment("nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());

  for (const auto* id : { "first", "second", "third" }) {
    create(id);
  }
  auto newest = store().list_deployments(2);
  ASSERT_TRUE(newest.has_value());
  ASSERT_EQ(newest->size(), 2U);
  EXPECT_EQ((*newest)[0].id, "third");
  EXPECT_EQ((*newest)[1].id, "second");
}

TEST_P(MetadataStoreTest, EventsKeepOrderWithMonotonicSeqAcrossDeployments)
{
  create("a");
  create("b");
  std::vector<std::string> a_lines{ "cloning", "installing", "building" };
  ASSERT_TRUE(store().append_logs("a", a_lines).has_value());
  ASSERT_TRUE(store().update_status(change("b", Status::in_progress, Phase::cloning)).value());
  std::vector<std::string> b_lines{ "b-one", "b-two" };
  ASSERT_TRUE(store().append_logs("b", b_lines).has_value());

  auto feed = events();
  ASSERT_EQ(feed.size(), 8U);
  for (std::size_t i = 1; i < feed.size(); ++i) {
    EXPECT_GT(feed[i].seq, feed[i - 1].seq);
  }
  std::vector<std::string> order;
  order.reserve(feed.size());
  for (const auto& event : feed) {
    order.push_back(
      event.deployment_id + ":" +
      (event.kind == EventKind::log ? event.line : std::string(core::to_string(event.status))));
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{ "a:PENDING",
                                       "b:PENDING",
                                       "a:cloning",
                                       "a:installing",
                                       "a:building",
                                       "b:IN_PROGRESS",
                                       "b:b-one",
                                       "b:b-two" }));
  EXPECT_EQ(feed[5].phase, Phase::cloning);

  auto only_a = events("a");
  ASSERT_EQ(only_a.size(), 4U);
  for (const auto& event : only_a) {
    EXPECT_EQ(event.deployment_id, "a");
  }

  auto resumed = store().events_after(feed[3].seq, "", 2);
  ASSERT_TRUE(resumed.has_value());
  ASSERT_EQ(resumed->size(), 2U);
  EXPECT_EQ((*resumed)[0].seq, feed[4].seq);
  EXPECT_EQ((*resumed)[1].seq, feed[5].seq);

  auto resumed_b = store().events_after(feed[5].seq, "b", 10);
  ASSERT_TRUE(resumed_b.has_value());
  ASSERT_EQ(resumed_b->size(), 2U);
  EXPECT_EQ((*resumed_b)[0].line, "b-one");

  EXPECT_EQ(store().last_event_seq().value(), feed.back().seq);
}

TEST_P(MetadataStoreTest, UpdateStatusRefusedWhenUnknownOrFinal)
{
  create("d");
  auto building = change("d", Status::in_progress, Phase::building);
  building.commit = "0123abcd";
  ASSERT_TRUE(store().update_status(building).value());
  ASSERT_TRUE(store().update_status(change("d", Status::in_progress, Phase::uploading)).value());
  EXPECT_EQ(find("d").commit, "0123abcd");
  EXPECT_EQ(find("d").phase, Phase::uploading);
  ASSERT_TRUE(store().update_status(change("d", Status::deployed)).value());
  auto before = events().size();

  auto refused = store().update_status(change("d", Status::error, Phase::none, "late"));
  ASSERT_TRUE(refused.has_value()) << refused.error().message;
  EXPECT_FALSE(*refused);
  auto unknown = store().update_status(change("ghost", Status::in_progress));
  ASSERT_TRUE(unknown.has_value()) << unknown.error().message;
  EXPECT_FALSE(*unknown);

  auto found = find("d");
  EXPECT_EQ(found.status, Status::deployed);
  EXPECT_EQ(found.error, "");
  EXPECT_EQ(events().size(), before);
  EXPECT_FALSE(store().find_deployment("ghost").value().has_value());
}

TEST_P(MetadataStoreTest, LeasedJobIsInvisibleUntilTheLeaseExpires)
{
  create("j");
  auto first = lease(50ms);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->receives, 1);
  EXPECT_FALSE(lease(50ms).has_value());

  advance(80ms);
  auto second = lease(60s);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->receives, 2);
  EXPECT_NE(second->lease_token, first->lease_token);
  EXPECT_FALSE(lease(60s).has_value());
}

TEST_P(MetadataStoreTest, HeartbeatKeepsTheLease)
{
  create("h");
  auto job = lease(200ms);
  ASSERT_TRUE(job.has_value());
  for (int beat = 0; beat < 4; ++beat) {
    advance(60ms);
    auto extended = store().extend_lease(*job, 200ms);
    ASSERT_TRUE(extended.has_value()) << extended.error().message;
    EXPECT_TRUE(*extended);
    EXPECT_FALSE(lease(200ms).has_value());
  }
}

TEST_P(MetadataStoreTest, LostLeaseCannotExtendOrFinish)
{
  create("l");
  auto stale = lease(30ms);
  ASSERT_TRUE(stale.has_value());
  advance(60ms);
  auto current = lease(60s);
  ASSERT_TRUE(current.has_value());
  auto events_before = events().size();

  EXPECT_FALSE(store().extend_lease(*stale, 60s).value());
  auto finished = store().finish_job(*stale, change("l", Status::deployed));
  ASSERT_TRUE(finished.has_value()) << finished.error().message;
  EXPECT_FALSE(*finished);
  EXPECT_EQ(find("l").status, Status::pending);
  EXPECT_EQ(events().size(), events_before);

  EXPECT_TRUE(store().extend_lease(*current, 60s).value());
  EXPECT_TRUE(store().finish_job(*current, change("l", Status::deployed)).value());
  EXPECT_EQ(find("l").status, Status::deployed);
  EXPECT_EQ(events().back().status, Status::deployed);
  EXPECT_FALSE(store().extend_lease(*current, 60s).value());
  advance(40ms);
  EXPECT_FALSE(lease(60s).has_value());
}

TEST_P(MetadataStoreTest, JobMovesToDeadLettersAfterMaxReceives)
{
  create("dead");
  exhaust_receives();

  EXPECT_FALSE(lease(60s).has_value());

  auto found = find("dead");
  EXPECT_EQ(found.status, Status::error);
  EXPECT_NE(found.error.find("attempted 3 times"), std::string::npos) << found.error;
  EXPECT_NE(found.error.find("dead-letter"), std::string::npos) << found.error;
  auto last = events().back();
  EXPECT_EQ(last.kind, EventKind::status);
  EXPECT_EQ(last.status, Status::error);
  EXPECT_EQ(last.error, found.error);

  auto letters = dead_letters();
  ASSERT_EQ(letters.size(), 1U);
  EXPECT_EQ(letters[0].deployment_id, "dead");
  EXPECT_EQ(letters[0].receives, k_max_receives);
  EXPECT_EQ(letters[0].reason, found.error);
  EXPECT_GT(letters[0].dead_at_ms, 0);
}

TEST_P(MetadataStoreTest, RedriveRequeuesADeadLetter)
{
  create("r");
  exhaust_receives();
  EXPECT_FALSE(lease(60s).has_value());
  ASSERT_EQ(dead_letters().size(), 1U);

  auto redriven = store().redrive("r");
  ASSERT_TRUE(redriven.has_value()) << redriven.error().message;
  EXPECT_TRUE(*redriven);

  auto found = find("r");
  EXPECT_EQ(found.status, Status::pending);
  EXPECT_EQ(found.phase, Phase::none);
  EXPECT_EQ(found.error, "");
  EXPECT_EQ(events().back().status, Status::pending);
  EXPECT_TRUE(dead_letters().empty());
  EXPECT_FALSE(store().redrive("r").value());
  EXPECT_FALSE(store().redrive("unknown").value());

  auto job = lease(60s);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->deployment_id, "r");
  EXPECT_EQ(job->receives, 1);
}

TEST_P(MetadataStoreTest, ReleaseMakesTheJobVisibleWithoutCountingTheReceive)
{
  create("rel");
  auto first = lease(60s);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(store().release_job(*first).has_value());

  auto second = lease(60s);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->receives, 1);

  ASSERT_TRUE(store().release_job(*first).has_value());
  EXPECT_FALSE(lease(60s).has_value());
  EXPECT_TRUE(store().extend_lease(*second, 60s).value());
}

TEST_P(MetadataStoreTest, QueuePlaceFollowsTheOrderJobsAreLeasedIn)
{
  const auto place = [&](std::string_view id) {
    auto found = store().queue_place(id);
    EXPECT_TRUE(found.has_value()) << found.error().message;
    return found.value_or(std::nullopt);
  };
  const auto position_and_running = [&](std::string_view id) {
    const auto found = place(id);
    return found ? std::pair{ found->position, found->running } : std::pair{ -1L, -1L };
  };
  for (const auto* id : { "qa", "qb", "qc" }) {
    create(id);
    advance(1ms);
  }
  EXPECT_EQ(position_and_running("qa"), std::pair(1L, 0L));
  EXPECT_EQ(position_and_running("qc"), std::pair(3L, 0L));
  EXPECT_FALSE(place("ghost").has_value());

  auto first = lease(50ms);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->deployment_id, "qa");
  EXPECT_FALSE(place("qa").has_value()) << "leased: not waiting";
  EXPECT_EQ(position_and_running("qb"), std::pair(1L, 1L));
  EXPECT_EQ(position_and_running("qc"), std::pair(2L, 1L));

  // A job whose lease expired waits again, behind those queued before it became visible.
  advance(80ms);
  EXPECT_EQ(position_and_running("qa"), std::pair(3L, 0L));
  auto next = lease(60s);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->deployment_id, "qb");
}

TEST_P(MetadataStoreTest, UserFailureIsFinalAndNotRetried)
{
  create("u");
  auto job = lease(30ms);
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(store().update_status(change("u", Status::in_progress, Phase::building)).value());
  auto failed = change("u", Status::error, Phase::building, "`npm run build` exited with 1");
  ASSERT_TRUE(store().finish_job(*job, failed).value());

  advance(60ms);
  EXPECT_FALSE(lease(60s).has_value());
  EXPECT_TRUE(dead_letters().empty());
  auto found = find("u");
  EXPECT_EQ(found.status, Status::error);
  EXPECT_EQ(found.error, "`npm run build` exited with 1");
  EXPECT_EQ(events().back().error, "`npm run build` exited with 1");
}

TEST_P(MetadataStoreTest, JobOfAFinalDeploymentIsDroppedSilently)
{
  create("c");
  ASSERT_TRUE(store().update_status(change("c", Status::canceled)).value());
  auto before = events().size();
  EXPECT_FALSE(lease(60s).has_value());
  EXPECT_EQ(events().size(), before);
  EXPECT_EQ(find("c").status, Status::canceled);
  EXPECT_TRUE(dead_letters().empty());
}

TEST_P(MetadataStoreTest, FinishAcksTheJobButKeepsACancelation)
{
  create("x");
  auto job = lease(60s);
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(store().update_status(change("x", Status::canceled)).value());
  auto before = events().size();

  auto finished = store().finish_job(*job, change("x", Status::deployed));
  ASSERT_TRUE(finished.has_value()) << finished.error().message;
  EXPECT_TRUE(*finished);
  EXPECT_EQ(find("x").status, Status::canceled);
  EXPECT_EQ(events().size(), before);
  EXPECT_FALSE(store().extend_lease(*job, 60s).value());
}

TEST_P(MetadataStoreTest, DeleteTakesFinishedDeploymentsWithTheirEventsAndJobs)
{
  create("queued");
  EXPECT_EQ(store().delete_deployment("queued").value(), DeleteOutcome::busy);

  auto job = lease(60s);
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(store().update_status(change("queued", Status::canceled)).value());
  // Canceled, but a worker still holds the lease: its build is stopping.
  EXPECT_EQ(store().delete_deployment("queued").value(), DeleteOutcome::busy);
  ASSERT_TRUE(store().finish_job(*job, change("queued", Status::canceled)).value());
  auto deleted = store().delete_deployment("queued");
  ASSERT_TRUE(deleted.has_value()) << deleted.error().message;
  EXPECT_EQ(*deleted, DeleteOutcome::deleted);
  EXPECT_FALSE(store().find_deployment("queued").value().has_value());
  auto left = events("queued");
  ASSERT_EQ(left.size(), 1U);
  EXPECT_EQ(left[0].kind, EventKind::deleted);
  EXPECT_EQ(store().delete_deployment("queued").value(), DeleteOutcome::unknown);

  // Canceled before any worker leased it: the job left in the queue goes too.
  create("never");
  ASSERT_TRUE(store().update_status(change("never", Status::canceled)).value());
  EXPECT_EQ(store().delete_deployment("never").value(), DeleteOutcome::deleted);
  EXPECT_FALSE(lease(60s).has_value());

  create("dead");
  exhaust_receives();
  EXPECT_FALSE(lease(60s).has_value());
  ASSERT_EQ(dead_letters().size(), 1U);
  EXPECT_EQ(store().delete_deployment("dead").value(), DeleteOutcome::deleted);
  EXPECT_TRUE(dead_letters().empty());
  EXPECT_FALSE(store().redrive("dead").value());
}

TEST_P(MetadataStoreTest, DeleteAppendsATombstoneInFeedOrderInItsTransaction)
{
  create("gone");
  create("other");
  std::vector<std::string> lines{ "built" };
  ASSERT_TRUE(store().append_logs("gone", lines).has_value());
  ASSERT_TRUE(store().update_status(change("gone", Status::canceled)).value());
  create("busy");
  const auto before = store().last_event_seq().value();
  std::atomic<int> calls{ 0 };
  store().on_change([&calls] { ++calls; });

  // Refused deletes append nothing.
  EXPECT_EQ(store().delete_deployment("busy").value(), DeleteOutcome::busy);
  EXPECT_EQ(store().delete_deployment("never").value(), DeleteOutcome::unknown);
  EXPECT_EQ(store().last_event_seq().value(), before);
  EXPECT_EQ(calls.load(), 0);

  ASSERT_EQ(store().delete_deployment("gone").value(), DeleteOutcome::deleted);
  EXPECT_EQ(calls.load(), 1);
  auto feed = store().events_after(before, "", 100);
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  ASSERT_EQ(feed->size(), 1U);
  const auto tombstone = feed->front();
  EXPECT_EQ(tombstone.kind, EventKind::deleted);
  EXPECT_EQ(tombstone.deployment_id, "gone");
  EXPECT_GT(tombstone.seq, before);
  EXPECT_EQ(store().last_event_seq().value(), tombstone.seq);
  // The deployment's other events went in the same transaction; the tombstone stays.
  auto own = events("gone");
  ASSERT_EQ(own.size(), 1U);
  EXPECT_EQ(own[0].seq, tombstone.seq);

  ASSERT_TRUE(store().update_status(change("other", Status::canceled)).value());
  auto next = store().events_after(tombstone.seq, "", 100);
  ASSERT_TRUE(next.has_value()) << next.error().message;
  ASSERT_EQ(next->size(), 1U);
  EXPECT_EQ(next->front().deployment_id, "other");
  EXPECT_GT(next->front().seq, tombstone.seq);
}

TEST_P(MetadataStoreTest, DeletingTheDeploymentWithTheNewestEventNeverRepeatsItsSeq)
{
  create("older");
  create("newest");
  ASSERT_TRUE(store().update_status(change("newest", Status::canceled)).value());
  const auto seen = store().last_event_seq().value();

  ASSERT_EQ(store().delete_deployment("newest").value(), DeleteOutcome::deleted);
  auto feed = store().events_after(seen, "", 100);
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  ASSERT_EQ(feed->size(), 1U); // a follower that has seen `seen` still gets the tombstone
  EXPECT_EQ(feed->front().kind, EventKind::deleted);
  EXPECT_EQ(feed->front().deployment_id, "newest");
  EXPECT_GT(feed->front().seq, seen);
}

TEST_P(MetadataStoreTest, DeletionsAfterListsTheTombstonesAloneInFeedOrder)
{
  for (const auto* id : { "first", "second", "kept" }) {
    create(id);
  }
  std::vector<std::string> lines{ "a line" };
  for (const auto* id : { "first", "second" }) {
    ASSERT_TRUE(store().append_logs(id, lines).has_value());
    ASSERT_TRUE(store().update_status(change(id, Status::canceled)).value());
  }
  ASSERT_EQ(store().delete_deployment("first").value(), DeleteOutcome::deleted);
  ASSERT_TRUE(store().append_logs("kept", lines).has_value());
  ASSERT_EQ(store().delete_deployment("second").value(), DeleteOutcome::deleted);
  ASSERT_TRUE(store().append_logs("kept", lines).has_value());

  auto all = store().edge_events_after(0, 100);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[0].deployment_id, "first");
  EXPECT_EQ((*all)[1].deployment_id, "second");
  EXPECT_LT((*all)[0].seq, (*all)[1].seq);
  for (const auto& event : *all) {
    EXPECT_EQ(event.kind, EventKind::deleted);
  }
  EXPECT_EQ(store().edge_events_after(0, 1).value().size(), 1U);
  auto rest = store().edge_events_after((*all)[0].seq, 100).value();
  ASSERT_EQ(rest.size(), 1U);
  EXPECT_EQ(rest[0].deployment_id, "second");
  EXPECT_TRUE(store().edge_events_after((*all)[1].seq, 100).value().empty());
}

TEST_P(MetadataStoreTest, DeploymentStatusesListsEveryDeployment)
{
  create("a");
  create("b");
  ASSERT_TRUE(store().update_status(change("b", Status::canceled)).value());
  auto statuses = store().deployment_statuses();
  ASSERT_TRUE(statuses.has_value()) << statuses.error().message;
  std::map<std::string, Status> by_id;
  for (const auto& status : *statuses) {
    by_id.emplace(status.id, status.status);
  }
  EXPECT_EQ(by_id,
            (std::map<std::string, Status>{ { "a", Status::pending }, { "b", Status::canceled } }));
}

TEST_P(MetadataStoreTest, OnChangeFiresAfterCommitsThatAppendEvents)
{
  std::atomic<int> calls{ 0 };
  store().on_change([&calls] { ++calls; });

  create("n");
  EXPECT_EQ(calls.load(), 1);
  std::vector<std::string> lines{ "one", "two" };
  ASSERT_TRUE(store().append_logs("n", lines).has_value());
  EXPECT_EQ(calls.load(), 2);
  auto job = lease(60s);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(calls.load(), 2);
  ASSERT_TRUE(store().finish_job(*job, change("n", Status::deployed)).value());
  EXPECT_EQ(calls.load(), 3);
  EXPECT_FALSE(store().update_status(change("n", Status::error)).value());
  EXPECT_FALSE(store().create_deployment(deployment("n")).has_value());
  EXPECT_EQ(calls.load(), 3);
}

TEST_P(MetadataStoreTest, ConcurrentLeasingNeverHandsAJobToTwoHolders)
{
  constexpr int k_jobs = 40;
  for (int i = 0; i < k_jobs; ++i) {
    create("c" + std::to_string(i));
  }
  std::mutex mutex;
  std::vector<std::string> leased;
  std::atomic<int> failures{ 0 };
  std::vector<std::thread> workers;
  workers.reserve(4);
  for (int worker = 0; worker < 4; ++worker) {
    workers.emplace_back([&] {
      for (;;) {
        auto job = store().lease_job(60s);
        if (!job) {
          ++failures;
          return;
        }
        if (!*job) {
          return;
        }
        std::scoped_lock lock(mutex);
        leased.push_back((*job)->deployment_id);
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(leased.size(), static_cast<std::size_t>(k_jobs));
  EXPECT_EQ(std::set<std::string>(leased.begin(), leased.end()).size(),
            static_cast<std::size_t>(k_jobs));
}

TEST_P(MetadataStoreTest, ConcurrentLeasingAcrossSeparateHandles)
{
  constexpr int k_jobs = 40;
  for (int i = 0; i < k_jobs; ++i) {
    create("s" + std::to_string(i));
  }
  std::vector<std::unique_ptr<MetadataStore>> handles;
  for (int worker = 0; worker < 4; ++worker) {
    handles.push_back(open());
    ASSERT_NE(handles.back(), nullptr);
  }
  std::mutex mutex;
  std::vector<std::string> leased;
  std::atomic<int> failures{ 0 };
  std::vector<std::thread> workers;
  workers.reserve(handles.size());
  for (auto& handle : handles) {
    workers.emplace_back([&, store = handle.get()] {
      for (;;) {
        auto job = store->lease_job(60s);
        if (!job) {
          ++failures;
          return;
        }
        if (!*job) {
          return;
        }
        std::scoped_lock lock(mutex);
        leased.push_back((*job)->deployment_id);
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(leased.size(), static_cast<std::size_t>(k_jobs));
  EXPECT_EQ(std::set<std::string>(leased.begin(), leased.end()).size(),
            static_cast<std::size_t>(k_jobs));
}

TEST_P(MetadataStoreTest, ReopeningKeepsTheDataAndMigratesOnce)
{
  create("p");
  std::vector<std::string> lines{ "kept" };
  ASSERT_TRUE(store().append_logs("p", lines).has_value());
  auto before = events();
  auto last_seq = store().last_event_seq().value();

  for (int reopen = 0; reopen < 2; ++reopen) {
    auto reopened = open();
    ASSERT_NE(reopened, nullptr);
    auto found = reopened->find_deployment("p");
    ASSERT_TRUE(found.has_value() && found->has_value());
    EXPECT_EQ((*found)->repo_url, "https://example.com/site.git");
    auto feed = reopened->events_after(0, "", 100);
    ASSERT_TRUE(feed.has_value());
    ASSERT_EQ(feed->size(), before.size());
    EXPECT_EQ(feed->back().line, "kept");
    EXPECT_EQ(reopened->last_event_seq().value(), last_seq);
  }

  auto reopened = open();
  ASSERT_NE(reopened, nullptr);
  auto created = reopened->create_deployment(deployment("q"));
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_GT(reopened->last_event_seq().value(), last_seq);
  auto job = reopened->lease_job(60s);
  ASSERT_TRUE(job.has_value() && job->has_value());
  EXPECT_EQ((*job)->deployment_id, "p");
}

// A deployment of project "shop" built from `branch`, created at the clock's time.
Deployment
project_deployment(std::string id, std::string branch)
{
  auto made = deployment(std::move(id));
  made.project = "shop";
  made.branch = std::move(branch);
  made.ref = made.branch;
  return made;
}

TEST_P(MetadataStoreTest, ProjectsAreCreatedOnceFoundAndListed)
{
  core::Project project{ .name = "shop",
                         .repo_url = "https://example.com/shop.git",
                         .production_branch = "main",
                         .settings = { .build_command = "npm run build:prod" } };
  EXPECT_TRUE(store().create_project(project).value());
  EXPECT_FALSE(store().create_project(project).value());
  auto found = store().find_project("shop").value();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->production_branch, "main");
  EXPECT_EQ(found->settings.build_command, "npm run build:prod");
  EXPECT_TRUE(found->auto_promote);
  EXPECT_FALSE(store().find_project("other").value().has_value());
  ASSERT_TRUE(store().create_project(core::Project{ .name = "blog", .repo_url = "x" }));
  const auto all = store().list_projects().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "blog");
  EXPECT_EQ(all[1].name, "shop");
}

TEST_P(MetadataStoreTest, BuildsOfTheSameInputsAreFoundByCommitTheBuiltOneFirst)
{
  ASSERT_TRUE(store().create_project(core::Project{ .name = "shop",
                                                    .repo_url = "x",
                                                    .production_branch = "main",
                                                    .deploy_tags = true,
                                                    .build_fork_pull_requests = true }));
  const auto found = store().find_project("shop").value();
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->deploy_tags);
  EXPECT_TRUE(found->build_fork_pull_requests);

  const std::string commit(40, 'c');
  const auto create = [&](const std::string& id, const std::string& digest, bool from_fork) {
    auto made = project_deployment(id, "feature");
    made.inputs_digest = digest;
    made.from_fork = from_fork;
    made.ref = commit; // as a webhook asks for it
    ASSERT_TRUE(store().create_deployment(made));
    advance(10ms);
  };
  create("built", "same", false);
  create("building", "same", false);
  create("queued", "same", false);
  create("fork", "other", true);
  auto built = lease(60s);
  ASSERT_TRUE(built && built->deployment_id == "built");
  auto finished = change("built", Status::deployed);
  finished.commit = commit;
  ASSERT_TRUE(store().finish_job(*built, finished).value());
  ASSERT_TRUE(store().update_status(change("building", Status::in_progress, Phase::cloning)));

  const auto twins = store().same_input_deployments("shop", "same", commit).value();
  std::vector<std::string> ids;
  ids.reserve(twins.size());
  for (const auto& twin : twins) {
    ids.push_back(twin.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{ "built", "building" }));
  EXPECT_TRUE(store().same_input_deployments("shop", "same", std::string(40, 'd')).value().empty());
  EXPECT_TRUE(store().same_input_deployments("shop", "", commit).value().empty());
  ASSERT_TRUE(store().record_commit("fork", commit));
  const auto fork = store().find_deployment("fork").value();
  ASSERT_TRUE(fork.has_value());
  EXPECT_EQ(fork->commit, commit);
  EXPECT_TRUE(fork->from_fork);
  EXPECT_EQ(fork->inputs_digest, "other");
}

TEST_P(MetadataStoreTest, ACustomDomainBelongsToOneProjectAndItsStateChangesAreEvents)
{
  for (const auto* name : { "shop", "blog" }) {
    ASSERT_TRUE(store().create_project(core::Project{ .name = name, .repo_url = "x" }));
  }
  const core::CustomDomain www{ .domain = "www.example.com", .project = "shop" };
  EXPECT_EQ(store().add_custom_domain(www).value(), DomainWrite::created);
  EXPECT_EQ(store().add_custom_domain({ .domain = "www.example.com", .project = "blog" }).value(),
            DomainWrite::taken);
  EXPECT_EQ(store().add_custom_domain({ .domain = "a.example.com", .project = "nope" }).value(),
            DomainWrite::unknown_project);
  ASSERT_TRUE(store().add_custom_domain({ .domain = "api.example.com", .project = "shop" }));
  const auto seq = store().last_event_seq().value();

  auto pending = store().custom_domains_in(core::DomainState::pending_dns).value();
  ASSERT_EQ(pending.size(), 2u);
  // Still pending, with what to fix: no event.
  pending[0].last_error = "no CNAME yet";
  pending[0].checked_at_ms = 5;
  ASSERT_TRUE(store().record_domain_check(pending[0]));
  EXPECT_EQ(store().last_event_seq().value(), seq);
  // Active: the project's event, which edges follow.
  auto verified = store().find_custom_domain("www.example.com").value().value();
  verified.state = core::DomainState::active;
  verified.checked_at_ms = 6;
  ASSERT_TRUE(store().record_domain_check(verified));
  const auto events = store().edge_events_after(seq, 10).value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::project);
  EXPECT_EQ(events[0].line, "shop");
  const auto active = store().custom_domains_in(core::DomainState::active).value();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].domain, "www.example.com");
  EXPECT_EQ(active[0].project, "shop");

  const auto listed = store().project_custom_domains("shop").value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].domain, "api.example.com");
  ASSERT_TRUE(store().save_certificate({ .names = { "www.example.com" } }).has_value());
  ASSERT_TRUE(store().save_certificate({ .names = { "api.example.com" } }).has_value());
  EXPECT_FALSE(store().delete_custom_domain("blog", "www.example.com").value());
  EXPECT_TRUE(store().delete_custom_domain("shop", "www.example.com").value());
  EXPECT_FALSE(store().find_custom_domain("www.example.com").value().has_value());
  // Its certificate goes with it; the other domain's stays.
  const auto certificates = store().certificates().value();
  ASSERT_EQ(certificates.size(), 1U);
  EXPECT_EQ(certificates[0].names, std::vector<std::string>{ "api.example.com" });
  // A deleted project takes its domains with it.
  ASSERT_EQ(store().delete_project("shop").value(), DeleteOutcome::deleted);
  EXPECT_FALSE(store().find_custom_domain("api.example.com").value().has_value());
}

TEST_P(MetadataStoreTest, ADeployedBuildMovesItsAliasesAndANewerOneIsNeverOverwritten)
{
  ASSERT_TRUE(store().create_project(
    core::Project{ .name = "shop", .repo_url = "x", .production_branch = "main" }));
  const auto finish = [&](const std::string& id, Status status) {
    auto job = lease(60s);
    ASSERT_TRUE(job.has_value());
    ASSERT_EQ(job->deployment_id, id);
    ASSERT_TRUE(store().finish_job(*job, change(id, status)).value());
  };
  ASSERT_TRUE(store().create_deployment(project_deployment("old", "main")));
  advance(10ms);
  ASSERT_TRUE(store().create_deployment(project_deployment("new", "main")));
  advance(10ms);
  ASSERT_TRUE(store().create_deployment(project_deployment("broken", "main")));
  advance(10ms);
  ASSERT_TRUE(store().create_deployment(project_deployment("preview", "feature/x")));

  // The newer build finishes first; the older one finishing later moves nothing.
  auto first = lease(60s);
  auto second = lease(60s);
  ASSERT_TRUE(first && second);
  ASSERT_EQ(second->deployment_id, "new");
  ASSERT_TRUE(store().finish_job(*second, change("new", Status::deployed)).value());
  ASSERT_TRUE(store().finish_job(*first, change("old", Status::deployed)).value());
  finish("broken", Status::error);
  finish("preview", Status::deployed);

  EXPECT_EQ(store().resolve_alias("shop").value(), "new");
  EXPECT_EQ(store().resolve_alias("shop--main").value(), "new");
  EXPECT_EQ(store().resolve_alias(core::branch_label("shop", "feature/x")).value(), "preview");
  EXPECT_FALSE(store().resolve_alias("shop--other").value().has_value());
  const auto aliases = store().project_aliases("shop").value();
  ASSERT_EQ(aliases.size(), 3u);
  EXPECT_EQ(aliases[0].label, "shop");
  EXPECT_EQ(aliases[0].branch, "");

  // Each move is an event an edge follows; the old build's non-move is none.
  std::vector<std::pair<std::string, std::string>> moves;
  const auto feed = store().edge_events_after(0, 100).value();
  for (const auto& event : feed) {
    ASSERT_EQ(event.kind, EventKind::alias);
    moves.emplace_back(event.line, event.deployment_id);
  }
  EXPECT_EQ(moves,
            (std::vector<std::pair<std::string, std::string>>{
              { "shop--main", "new" },
              { "shop", "new" },
              { core::branch_label("shop", "feature/x"), "preview" } }));
  const auto listed = store().list_project_deployments("shop", 10).value();
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed[0].id, "preview");
  EXPECT_EQ(listed[0].branch, "feature/x");
}

TEST_P(MetadataStoreTest, AProjectsEventsAreItsStatusChangesAndAliasMovesOnly)
{
  for (const auto* name : { "shop", "shopping" }) {
    ASSERT_TRUE(store().create_project(
      core::Project{ .name = name, .repo_url = "x", .production_branch = "main" }));
  }
  ASSERT_TRUE(store().create_deployment(project_deployment("built", "main")));
  auto other = project_deployment("other", "main");
  other.project = "shopping";
  ASSERT_TRUE(store().create_deployment(other));
  ASSERT_TRUE(store().create_deployment(deployment("loose")));
  for (int i = 0; i < 3; ++i) {
    auto job = lease(60s);
    ASSERT_TRUE(job.has_value());
    const std::vector<std::string> lines{ "building" };
    ASSERT_TRUE(store().append_logs(job->deployment_id, lines));
    ASSERT_TRUE(store().finish_job(*job, change(job->deployment_id, Status::deployed)).value());
  }

  std::vector<std::string> seen;
  const auto project_events = store().project_events_after(0, "shop", 100).value();
  for (const auto& event : project_events) {
    EXPECT_EQ(event.project, "shop");
    seen.push_back(event.kind == EventKind::alias
                     ? "alias " + event.line
                     : event.deployment_id + " " + std::string(core::to_string(event.status)));
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{
              "built PENDING", "built DEPLOYED", "alias shop--main", "alias shop" }));
  // The whole feed names each event's project too.
  const auto feed = store().events_after(0, "", 100).value();
  for (const auto& event : feed) {
    EXPECT_EQ(event.project,
              event.deployment_id == "built"   ? "shop"
              : event.deployment_id == "other" ? "shopping"
                                               : "");
  }
}

TEST_P(MetadataStoreTest, SettingProductionIsACompareAndSetAndARollbackSticks)
{
  ASSERT_TRUE(store().create_project(
    core::Project{ .name = "shop", .repo_url = "x", .production_branch = "main" }));
  for (const auto* id : { "first", "second" }) {
    ASSERT_TRUE(store().create_deployment(project_deployment(id, "main")));
    auto job = lease(60s);
    ASSERT_TRUE(job.has_value());
    ASSERT_TRUE(store().finish_job(*job, change(id, Status::deployed)).value());
    advance(10ms);
  }
  ASSERT_EQ(store().resolve_alias("shop").value(), "second");

  // A caller who read an outdated alias changes nothing.
  EXPECT_FALSE(store().set_production("shop", "first", "first", false).value());
  EXPECT_EQ(store().resolve_alias("shop").value(), "second");
  // A rollback: production back on the first build, automatic promotion off.
  EXPECT_TRUE(store().set_production("shop", "first", "second", false).value());
  EXPECT_EQ(store().resolve_alias("shop").value(), "first");
  EXPECT_FALSE(store().find_project("shop").value()->auto_promote);

  // A new production build now moves its branch alias but not production.
  ASSERT_TRUE(store().create_deployment(project_deployment("third", "main")));
  auto job = lease(60s);
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(store().finish_job(*job, change("third", Status::deployed)).value());
  EXPECT_EQ(store().resolve_alias("shop").value(), "first");
  EXPECT_EQ(store().resolve_alias("shop--main").value(), "third");

  // Promoting turns it back on; a deployment that is not DEPLOYED is refused.
  EXPECT_TRUE(store().set_production("shop", "third", "first", true).value());
  EXPECT_TRUE(store().find_project("shop").value()->auto_promote);
  ASSERT_TRUE(store().create_deployment(project_deployment("queued", "main")));
  EXPECT_FALSE(store().set_production("shop", "queued", "third", true).has_value());
}

TEST_P(MetadataStoreTest, DeployHooksAreFoundByTheirTokensHashAndGoWithTheirProject)
{
  ASSERT_TRUE(store().create_project(core::Project{ .name = "shop", .repo_url = "x" }));
  const core::DeployHook hook{
    .project = "shop", .name = "cms-publish", .branch = "main", .token_hash = "h1"
  };
  EXPECT_EQ(store().create_deploy_hook(hook).value(), HookWrite::created);
  EXPECT_EQ(store().create_deploy_hook(hook).value(), HookWrite::name_taken);
  auto other = hook;
  other.project = "nope";
  EXPECT_EQ(store().create_deploy_hook(other).value(), HookWrite::unknown_project);
  other = hook;
  other.name = "nightly";
  other.branch = "next";
  other.token_hash = "h2";
  EXPECT_EQ(store().create_deploy_hook(other).value(), HookWrite::created);

  const auto listed = store().project_deploy_hooks("shop").value();
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].name, "cms-publish");
  EXPECT_EQ(listed[1].branch, "next");
  EXPECT_GT(listed[0].created_at_ms, 0);
  const auto found = store().find_deploy_hook("h2").value();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "nightly");
  EXPECT_FALSE(store().find_deploy_hook("h3").value().has_value());

  EXPECT_TRUE(store().delete_deploy_hook("shop", "nightly").value());
  EXPECT_FALSE(store().delete_deploy_hook("shop", "nightly").value());
  EXPECT_FALSE(store().find_deploy_hook("h2").value().has_value());
  ASSERT_EQ(store().delete_project("shop").value(), DeleteOutcome::deleted);
  EXPECT_FALSE(store().find_deploy_hook("h1").value().has_value());
}

TEST_P(MetadataStoreTest, WebhookSecretsAndDeliveriesAreKeptPerProject)
{
  EXPECT_FALSE(store().set_webhook_secret("shop", "sealed").value());
  ASSERT_TRUE(store().create_project(core::Project{ .name = "shop", .repo_url = "x" }));
  EXPECT_FALSE(store().webhook_secret("shop").value().has_value());
  EXPECT_TRUE(store().set_webhook_secret("shop", "first").value());
  EXPECT_TRUE(store().set_webhook_secret("shop", "second").value());
  EXPECT_EQ(store().webhook_secret("shop").value(), "second");

  EXPECT_TRUE(store().remember_delivery("shop", "github", "d1").value());
  EXPECT_FALSE(store().remember_delivery("shop", "github", "d1").value()) << "a redelivery";
  EXPECT_TRUE(store().remember_delivery("shop", "gitlab", "d1").value());
  advance(std::chrono::days(7) + 1ms);
  EXPECT_TRUE(store().remember_delivery("shop", "github", "d1").value())
    << "forgotten after 7 days";
  advance(1ms);
  ASSERT_TRUE(store().remember_delivery("shop", "github", "d2"));
  ASSERT_TRUE(store().record_delivery_answer("shop",
                                             { .provider = "github",
                                               .delivery_id = "d2",
                                               .event = "push",
                                               .status = 202,
                                               .result = "queued",
                                               .deployment_id = "abc" }));
  const auto deliveries = store().webhook_deliveries("shop", 10).value();
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].delivery_id, "d2") << "newest first";
  EXPECT_EQ(deliveries[0].event, "push");
  EXPECT_EQ(deliveries[0].status, 202);
  EXPECT_EQ(deliveries[0].result, "queued");
  EXPECT_EQ(deliveries[0].deployment_id, "abc");
  EXPECT_EQ(deliveries[1].status, 0) << "not answered yet";
  EXPECT_EQ(store().webhook_deliveries("shop", 1).value().size(), 1u);

  ASSERT_EQ(store().delete_project("shop").value(), DeleteOutcome::deleted);
  ASSERT_TRUE(store().create_project(core::Project{ .name = "shop", .repo_url = "x" }));
  EXPECT_FALSE(store().webhook_secret("shop").value().has_value());
  EXPECT_TRUE(store().remember_delivery("shop", "github", "d1").value());
}

TEST_P(MetadataStoreTest, PullRequestPreviewsHaveTheirOwnAliasWhichCanBeDropped)
{
  ASSERT_TRUE(store().create_project(
    core::Project{ .name = "shop", .repo_url = "x", .production_branch = "main" }));
  auto preview = project_deployment("preview", "main");
  preview.pull_request = 12;
  ASSERT_TRUE(store().create_deployment(preview));
  EXPECT_EQ(find("preview").pull_request, 12);
  auto job = lease(60s);
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(store().finish_job(*job, change("preview", Status::deployed)).value());
  EXPECT_EQ(store().resolve_alias("shop--pr-12").value(), "preview");
  EXPECT_FALSE(store().resolve_alias("shop").value().has_value())
    << "a pull request from the production branch is still not production";
  EXPECT_FALSE(store().resolve_alias("shop--main").value().has_value());

  const auto before = store().last_event_seq().value();
  EXPECT_TRUE(store().drop_alias("shop", "shop--pr-12").value());
  EXPECT_FALSE(store().drop_alias("shop", "shop--pr-12").value());
  EXPECT_FALSE(store().resolve_alias("shop--pr-12").value().has_value());
  const auto events = store().events_after(before, "", 10).value();
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].kind, core::EventKind::alias);
  EXPECT_EQ(events[0].line, "shop--pr-12");
  EXPECT_EQ(events[0].deployment_id, "");
}

TEST_P(MetadataStoreTest, NotificationsAreLeasedRetriedAndGoWithTheirEndpoint)
{
  const core::NotificationEndpoint endpoint{ .id = "ep_1",
                                             .project = "shop",
                                             .url = "https://hooks.example.com/in",
                                             .events = { "deployment.ready", "deployment.error" },
                                             .sealed_secret = "sealed" };
  EXPECT_FALSE(store().create_notification_endpoint(endpoint).value());
  ASSERT_TRUE(store().create_project(core::Project{ .name = "shop", .repo_url = "x" }));
  ASSERT_TRUE(store().create_notification_endpoint(endpoint).value());
  const auto endpoints = store().notification_endpoints("shop").value();
  ASSERT_EQ(endpoints.size(), 1U);
  EXPECT_EQ(endpoints[0].events, endpoint.events);
  EXPECT_GT(endpoints[0].created_at_ms, 0);

  // The feed's cursor moves once from where a node read it; a second node's move fails.
  EXPECT_FALSE(store().notifier_cursor().value().has_value());
  const Notification ready{ .id = "msg_1",
                            .endpoint_id = "ep_1",
                            .project = "shop",
                            .type = "deployment.ready",
                            .body = "{}" };
  EXPECT_TRUE(store().add_notifications({ ready }, CursorMove{ std::nullopt, 10 }).value());
  EXPECT_FALSE(store().add_notifications({ ready }, CursorMove{ std::nullopt, 12 }).value());
  auto second = ready;
  second.id = "msg_2";
  EXPECT_FALSE(store().add_notifications({ second }, CursorMove{ 9, 12 }).value());
  EXPECT_TRUE(store().add_notifications({ second }, CursorMove{ 10, 12 }).value());
  EXPECT_EQ(store().notifier_cursor().value(), 12);

  auto leased = store().lease_notifications(30s, 10).value();
  ASSERT_EQ(leased.size(), 2U);
  EXPECT_EQ(leased[0].notification.id, "msg_1") << "in the order they were queued";
  EXPECT_EQ(leased[1].notification.id, "msg_2");
  EXPECT_EQ(leased[0].notification.id, "msg_1") << "in the order they were queued";
  EXPECT_EQ(leased[1].notification.id, "msg_2");
  EXPECT_EQ(leased[0].url, endpoint.url);
  EXPECT_EQ(leased[0].sealed_secret, "sealed");
  EXPECT_TRUE(store().lease_notifications(30s, 10).value().empty()) << "leased already";

  auto failed = leased[0].notification;
  failed.attempts = 1;
  failed.last_status = 500;
  failed.last_error = "HTTP 500";
  failed.next_at_ms = failed.next_at_ms + 5000; // it was due now
  ASSERT_TRUE(store().record_notification_attempt(failed));
  auto delivered = leased[1].notification;
  delivered.state = "delivered";
  delivered.attempts = 1;
  delivered.last_status = 204;
  ASSERT_TRUE(store().record_notification_attempt(delivered));
  EXPECT_TRUE(store().lease_notifications(30s, 10).value().empty()) << "not due yet";
  advance(5s);
  leased = store().lease_notifications(30s, 10).value();
  ASSERT_EQ(leased.size(), 1U);
  EXPECT_EQ(leased[0].notification.attempts, 1);
  EXPECT_EQ(leased[0].notification.last_error, "HTTP 500");

  const auto recent = store().project_notifications("shop", 10).value();
  ASSERT_EQ(recent.size(), 2U);
  EXPECT_TRUE(store().delete_notification_endpoint("shop", "ep_1").value());
  EXPECT_FALSE(store().delete_notification_endpoint("shop", "ep_1").value());
  advance(60s);
  EXPECT_TRUE(store().lease_notifications(30s, 10).value().empty()) << "gone with its endpoint";
  ASSERT_EQ(store().delete_project("shop").value(), DeleteOutcome::deleted);
  EXPECT_TRUE(store().project_notifications("shop", 10).value().empty());
}

TEST_P(MetadataStoreTest, DeletingAProjectWaitsForItsBuildsThenDropsItsAliases)
{
  ASSERT_TRUE(store().create_project(core::Project{ .name = "shop", .repo_url = "x" }));
  ASSERT_TRUE(store().create_deployment(project_deployment("built", "")));
  auto job = lease(60s);
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(store().finish_job(*job, change("built", Status::deployed)).value());
  ASSERT_EQ(store().resolve_alias("shop").value(), "built");
  ASSERT_TRUE(store().create_deployment(project_deployment("running", "")));

  EXPECT_EQ(store().delete_project("shop").value(), DeleteOutcome::busy);
  ASSERT_TRUE(store().update_status(change("running", Status::canceled)).value());
  EXPECT_EQ(store().delete_project("shop").value(), DeleteOutcome::deleted);
  EXPECT_EQ(store().delete_project("shop").value(), DeleteOutcome::unknown);
  EXPECT_FALSE(store().resolve_alias("shop").value().has_value());
  EXPECT_FALSE(store().find_project("shop").value().has_value());
  EXPECT_EQ(find("built").status, Status::deployed);
  const auto feed = store().edge_events_after(0, 100).value();
  ASSERT_FALSE(feed.empty());
  EXPECT_EQ(feed.back().kind, EventKind::alias);
  EXPECT_EQ(feed.back().line, "shop");
  EXPECT_EQ(feed.back().deployment_id, "");
}

TEST_P(MetadataStoreTest, AliasMovesAreRecordedAndSkewLooksInTheProjectsWindow)
{
  ASSERT_TRUE(store().create_project(
    core::Project{ .name = "shop", .repo_url = "x", .production_branch = "main" }));
  const auto deploy = [&](const std::string& id) {
    ASSERT_TRUE(store().create_deployment(project_deployment(id, "main")));
    auto job = lease(60s);
    ASSERT_TRUE(job.has_value());
    ASSERT_TRUE(store().finish_job(*job, change(id, Status::deployed)).value());
  };
  const auto skew = [&](const std::string& label) {
    return store().skew_deployments(label).value();
  };
  using Ids = std::vector<std::string>;
  deploy("a");
  EXPECT_EQ(skew("shop"), Ids{});
  advance(1h);
  deploy("b");
  advance(1h);
  deploy("c");
  // Newest first, without the one serving now; the branch alias has its own history.
  EXPECT_EQ(skew("shop"), (Ids{ "b", "a" }));
  EXPECT_EQ(skew("shop--main"), (Ids{ "b", "a" }));
  EXPECT_EQ(skew("shop--other"), Ids{});
  EXPECT_EQ(skew("blog"), Ids{});
  const auto history = store().alias_history("shop").value();
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0].deployment_id, "b");
  EXPECT_GT(history[0].until_ms, history[3].until_ms);

  // The project's maximum and window bound the lookup.
  auto project = *store().find_project("shop").value();
  auto changed = project;
  changed.skew_max_deployments = 1;
  ASSERT_EQ(store().update_project(project, changed).value(), ProjectUpdate::updated);
  EXPECT_EQ(skew("shop"), Ids{ "b" });
  project = changed;
  changed.skew_max_deployments = 5;
  changed.skew_window_days = 1;
  ASSERT_EQ(store().update_project(project, changed).value(), ProjectUpdate::updated);
  advance(24h);
  EXPECT_EQ(skew("shop"), Ids{ "b" }) << "a left the alias 25 hours ago";

  // A rollback is a move too; a deployment already serving is never offered.
  ASSERT_TRUE(store().set_production("shop", "b", "c", false).value());
  EXPECT_EQ(skew("shop"), Ids{ "c" });
  EXPECT_EQ(skew("shop--main"), Ids{ "b" });

  // A deleted deployment leaves the history with it, and a deleted project its own.
  ASSERT_TRUE(store().set_production("shop", "c", "b", true).value());
  ASSERT_EQ(store().delete_deployment("b").value(), DeleteOutcome::deleted);
  const auto remaining = store().alias_history("shop").value();
  for (const auto& held : remaining) {
    EXPECT_NE(held.deployment_id, "b");
  }
  EXPECT_EQ(skew("shop"), Ids{});
  ASSERT_EQ(store().delete_project("shop").value(), DeleteOutcome::deleted);
  EXPECT_TRUE(store().alias_history("shop").value().empty());
}

TEST_P(MetadataStoreTest, UpdatingAProjectWritesItsSettingsAndTellsTheEdges)
{
  ASSERT_TRUE(store().create_project(core::Project{ .name = "shop", .repo_url = "x" }));
  const auto read = *store().find_project("shop").value();
  auto project = read;
  EXPECT_EQ(project.protection, core::Protection::off);
  EXPECT_EQ(project.skew_window_days, core::k_default_skew_window_days);
  EXPECT_EQ(project.skew_max_deployments, core::k_default_skew_max_deployments);
  project.protection = core::Protection::previews;
  project.password_hash = "pbkdf2-sha256$1$00$00";
  project.bypass_hash = "abc";
  project.production_branch = "release";
  project.settings.build_command = "make";
  project.auto_promote = false;
  ASSERT_EQ(store().update_project(read, project).value(), ProjectUpdate::updated);
  const auto stored = *store().find_project("shop").value();
  EXPECT_EQ(stored.protection, core::Protection::previews);
  EXPECT_EQ(stored.password_hash, project.password_hash);
  EXPECT_EQ(stored.bypass_hash, "abc");
  EXPECT_EQ(stored.production_branch, "release");
  EXPECT_EQ(stored.settings.build_command, "make");
  EXPECT_FALSE(stored.auto_promote);
  const auto feed = store().edge_events_after(0, 100).value();
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].kind, EventKind::project);
  EXPECT_EQ(feed[0].line, "shop");
  EXPECT_EQ(store()
              .update_project(core::Project{ .name = "other" }, core::Project{ .name = "other" })
              .value(),
            ProjectUpdate::missing);

  // A change made from what was read before another change writes nothing: its writer
  // must read again, so neither is lost.
  auto outdated = stored;
  outdated.settings.build_command = "make all";
  auto fresh = stored;
  fresh.skew_window_days = 3;
  ASSERT_EQ(store().update_project(stored, fresh).value(), ProjectUpdate::updated);
  EXPECT_EQ(store().update_project(stored, outdated).value(), ProjectUpdate::changed);
  EXPECT_EQ(store().find_project("shop").value()->settings.build_command, "make");
  EXPECT_EQ(store().find_project("shop").value()->skew_window_days, 3);
}

TEST_P(MetadataStoreTest, DeletingAProtectedProjectDeletesItsDeploymentsAtOnce)
{
  for (const auto* name : { "open", "closed" }) {
    ASSERT_TRUE(store().create_project(core::Project{ .name = name, .repo_url = "x" }));
    auto made = project_deployment(std::string(name) + "-1", "");
    made.project = name;
    ASSERT_TRUE(store().create_deployment(made));
    auto job = lease(60s);
    ASSERT_TRUE(job.has_value());
    ASSERT_TRUE(store().finish_job(*job, change(made.id, Status::deployed)).value());
  }
  const auto open_closed = *store().find_project("closed").value();
  auto closed = open_closed;
  closed.protection = core::Protection::all;
  closed.password_hash = "x";
  ASSERT_EQ(store().update_project(open_closed, closed).value(), ProjectUpdate::updated);
  ASSERT_EQ(store().delete_project("open").value(), DeleteOutcome::deleted);
  ASSERT_EQ(store().delete_project("closed").value(), DeleteOutcome::deleted);
  EXPECT_TRUE(store().find_deployment("open-1").value().has_value());
  EXPECT_FALSE(store().find_deployment("closed-1").value().has_value());
  const auto feed = store().edge_events_after(0, 100).value();
  EXPECT_TRUE(std::ranges::any_of(feed, [](const core::Event& event) {
    return event.kind == EventKind::deleted && event.deployment_id == "closed-1";
  }));
}

TEST_P(MetadataStoreTest, ProjectVariablesAreSetReplacedAndDeletedWithAProjectEventEach)
{
  const core::EnvVariable token{ .name = "TOKEN",
                                 .scopes = { .production = true, .preview = false },
                                 .sealed = "v1:sealed-one" };
  EXPECT_EQ(store().set_env("shop", token).value(), EnvWrite::unknown_project);
  ASSERT_TRUE(store().create_project(core::Project{ .name = "shop", .repo_url = "x" }));
  EXPECT_EQ(store().set_env("shop", token).value(), EnvWrite::created);
  EXPECT_EQ(store().set_env("shop", core::EnvVariable{ .name = "ALPHA", .sealed = "v1:a" }).value(),
            EnvWrite::created);
  auto replaced = token;
  replaced.sealed = "v1:sealed-two";
  replaced.scopes = { .production = false, .preview = true };
  replaced.updated_at_ms = 42;
  EXPECT_EQ(store().set_env("shop", replaced).value(), EnvWrite::updated);

  const auto stored = store().project_env("shop").value();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].name, "ALPHA");
  EXPECT_EQ(stored[0].scopes, core::EnvScopes{});
  EXPECT_GT(stored[0].updated_at_ms, 42);
  EXPECT_EQ(stored[1].name, "TOKEN");
  EXPECT_EQ(stored[1].sealed, "v1:sealed-two");
  EXPECT_EQ(stored[1].scopes, replaced.scopes);
  EXPECT_EQ(stored[1].updated_at_ms, 42);

  EXPECT_TRUE(store().delete_env("shop", "ALPHA").value());
  EXPECT_FALSE(store().delete_env("shop", "ALPHA").value());
  EXPECT_EQ(store().project_env("shop").value().size(), 1u);
  const auto feed = store().edge_events_after(0, 100).value();
  ASSERT_EQ(feed.size(), 4u);
  EXPECT_TRUE(std::ranges::all_of(feed, [](const core::Event& event) {
    return event.kind == EventKind::project && event.line == "shop";
  }));

  ASSERT_EQ(store().delete_project("shop").value(), DeleteOutcome::deleted);
  EXPECT_TRUE(store().project_env("shop").value().empty());
}

TEST_P(MetadataStoreTest, ADeploymentKeepsTheVariablesItWasCreatedWithUntilItIsDeleted)
{
  auto made = project_deployment("snap", "main");
  made.env = { { .name = "B", .sealed = "v1:b", .updated_at_ms = 2 },
               { .name = "A",
                 .scopes = { .production = true, .preview = false },
                 .sealed = "v1:a",
                 .updated_at_ms = 1 } };
  ASSERT_TRUE(store().create_deployment(made));
  ASSERT_TRUE(store().create_deployment(project_deployment("bare", "main")));
  const auto snapshot = store().deployment_env("snap").value();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].name, "A");
  EXPECT_EQ(snapshot[0].sealed, "v1:a");
  EXPECT_EQ(snapshot[0].scopes, made.env[1].scopes);
  EXPECT_EQ(snapshot[1].updated_at_ms, 2);
  EXPECT_TRUE(store().deployment_env("bare").value().empty());
  ASSERT_TRUE(store().update_status(change("snap", Status::canceled)).value());
  ASSERT_EQ(store().delete_deployment("snap").value(), DeleteOutcome::deleted);
  EXPECT_TRUE(store().deployment_env("snap").value().empty());
}

TEST_P(MetadataStoreTest, CertificatesAreSavedReplacedAndListedByName)
{
  ManagedCertificate certificate{ .names = { "reactor.test", "*.reactor.test" },
                                  .state = CertificateState::error,
                                  .last_error = "wrong TXT",
                                  .next_attempt_ms = 1234,
                                  .failures_ms = { 10, 20 } };
  ASSERT_TRUE(store().save_certificate(certificate).has_value());
  ASSERT_TRUE(store().save_certificate({ .names = { "a.test" } }).has_value());
  certificate.state = CertificateState::active;
  certificate.chain_pem = "chain";
  certificate.sealed_key = "sealed";
  certificate.not_before_ms = 5;
  certificate.not_after_ms = 6;
  ASSERT_TRUE(store().save_certificate(certificate).has_value());
  auto listed = store().certificates();
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ(listed->at(0).names, std::vector<std::string>{ "a.test" });
  EXPECT_EQ(listed->at(0).state, CertificateState::issuing);
  EXPECT_TRUE(listed->at(0).failures_ms.empty());
  const auto& saved = listed->at(1);
  EXPECT_EQ(saved.names, certificate.names);
  EXPECT_EQ(saved.state, CertificateState::active);
  EXPECT_EQ(saved.chain_pem, "chain");
  EXPECT_EQ(saved.sealed_key, "sealed");
  EXPECT_EQ(saved.not_before_ms, 5);
  EXPECT_EQ(saved.not_after_ms, 6);
  EXPECT_EQ(saved.last_error, "wrong TXT");
  EXPECT_EQ(saved.next_attempt_ms, 1234);
  EXPECT_EQ(saved.failures_ms, (std::vector<std::int64_t>{ 10, 20 }));
  EXPECT_GT(saved.updated_at_ms, 0);
}

TEST_P(MetadataStoreTest, AnAcmeAccountIsStoredOncePerDirectory)
{
  EXPECT_EQ(store().acme_account("https://ca/dir").value(), std::nullopt);
  ASSERT_TRUE(store().save_acme_account({ "https://ca/dir", "https://ca/acct/1", "k1" }).value());
  EXPECT_FALSE(store().save_acme_account({ "https://ca/dir", "https://ca/acct/2", "k2" }).value());
  const auto account = store().acme_account("https://ca/dir").value();
  ASSERT_TRUE(account.has_value());
  EXPECT_EQ(account->directory, "https://ca/dir");
  EXPECT_EQ(account->url, "https://ca/acct/1");
  EXPECT_EQ(account->sealed_key, "k1");
}

TEST_P(MetadataStoreTest, AcmeChallengesArePutReadAndDeleted)
{
  ASSERT_TRUE(store().put_acme_challenge("token", "token.thumb").has_value());
  EXPECT_EQ(store().acme_challenge("token").value(), std::optional<std::string>("token.thumb"));
  EXPECT_EQ(store().acme_challenge("other").value(), std::nullopt);
  ASSERT_TRUE(store().delete_acme_challenge("token").has_value());
  EXPECT_EQ(store().acme_challenge("token").value(), std::nullopt);
}

TEST_P(MetadataStoreTest, AcmeChallengesLeftBehindAreSweptByAge)
{
  ASSERT_TRUE(store().put_acme_challenge("old", "old.thumb").has_value());
  advance(10s);
  const auto cutoff = now();
  ASSERT_TRUE(store().put_acme_challenge("new", "new.thumb").has_value());
  EXPECT_EQ(store().sweep_acme_challenges(cutoff).value(), 1);
  EXPECT_EQ(store().acme_challenge("old").value(), std::nullopt);
  EXPECT_EQ(store().acme_challenge("new").value(), std::optional<std::string>("new.thumb"));
}

TEST_P(MetadataStoreTest, ALeaseHasOneHolderUntilItExpiresOrIsReleased)
{
  EXPECT_TRUE(store().take_lease("acme", "node-a", 1000ms).value());
  EXPECT_FALSE(store().take_lease("acme", "node-b", 1000ms).value());
  EXPECT_TRUE(store().take_lease("acme", "node-a", 1000ms).value()); // renewed
  advance(999ms);
  EXPECT_FALSE(store().take_lease("acme", "node-b", 1000ms).value());
  advance(2ms);
  EXPECT_TRUE(store().take_lease("acme", "node-b", 1000ms).value());
  ASSERT_TRUE(store().release_lease("acme", "node-a").has_value()); // not the holder: no effect
  EXPECT_FALSE(store().take_lease("acme", "node-a", 1000ms).value());
  ASSERT_TRUE(store().release_lease("acme", "node-b").has_value());
  EXPECT_TRUE(store().take_lease("acme", "node-a", 1000ms).value());
}

INSTANTIATE_TEST_SUITE_P(
  Backends,
  MetadataStoreTest,
  ::testing::Values(Backend{ .name = "sqlite",
                             .open =
                               [](const std::filesystem::path& path, Clock clock) {
                                 return sqlite::create_store(path, std::move(clock));
                               } },
                    Backend{ .name = "postgres",
                             .open = &postgres_test::open_store,
                             .remove = &postgres_test::drop_store }),
  [](const ::testing::TestParamInfo<Backend>& param_info) { return param_info.param.name; });

// SQLite only: what the generic suite cannot express.
class SqliteStoreTest : public ::testing::Test
{
protected:
  const std::filesystem::path& directory() const { return m_directory.path(); }

private:
  reactor::testing::TempDir m_directory;
};

TEST_F(SqliteStoreTest, UsesWalAndRecordsTheSchemaVersion)
{
  auto path = directory() / "nested" / "metadata.db";
  {
    auto store = sqlite::create_store(path);
    ASSERT_TRUE(store.has_value()) << store.error().message;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto pragma = [db](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    std::string value(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    sqlite3_finalize(stmt);
    return value;
  };
  EXPECT_EQ(pragma("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma("PRAGMA page_size"), "1024");
  EXPECT_GE(std::stoi(pragma("PRAGMA user_version")), 1);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, MigratingOffAutoincrementNeverHandsOutASeqTwice)
{
  auto path = directory() / "metadata.db";
  {
    auto store = sqlite::create_store(path);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    ASSERT_TRUE((*store)->create_deployment(deployment("kept")).has_value());
    ASSERT_TRUE((*store)->create_deployment(deployment("removed")).has_value());
  }
  // A schema-2 database (seq AUTOINCREMENT) whose newest event went without a tombstone,
  // so its counter (2) is ahead of its newest row (1).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
    sqlite3_exec(
      db,
      "DROP INDEX events_by_deployment; "
      "ALTER TABLE events RENAME TO events_v3; "
      "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
      "deployment_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT, "
      "phase TEXT, error TEXT, line TEXT, at_ms INTEGER NOT NULL); "
      "INSERT INTO events SELECT * FROM events_v3; DROP TABLE events_v3; "
      "CREATE INDEX events_by_deployment ON events (deployment_id, seq); "
      "DELETE FROM events WHERE deployment_id = 'removed'; "
      "DELETE FROM jobs WHERE deployment_id = 'removed'; "
      "DELETE FROM deployments WHERE id = 'removed'; "
      "DROP TABLE custom_domains; "
      "DROP INDEX deployments_by_inputs; ALTER TABLE deployments DROP COLUMN inputs_digest; "
      "ALTER TABLE deployments DROP COLUMN from_fork; "
      "DROP TABLE leases; DROP TABLE acme_challenges; DROP TABLE certificates; "
      "DROP TABLE acme_accounts; "
      "DROP TABLE notifier_cursor; DROP TABLE notifications; DROP TABLE notification_endpoints; "
      "DROP TABLE webhook_deliveries; DROP TABLE webhook_secrets; "
      "ALTER TABLE deployments DROP COLUMN pull_request; "
      "DROP TABLE deploy_hooks; DROP TABLE deployment_env; DROP TABLE project_env; DROP TABLE "
      "alias_history; DROP TABLE aliases; "
      "DROP TABLE projects; "
      "DROP INDEX deployments_by_project; "
      "ALTER TABLE deployments DROP COLUMN project; "
      "ALTER TABLE deployments DROP COLUMN branch; PRAGMA user_version = 2",
      nullptr,
      nullptr,
      nullptr),
    SQLITE_OK);
  sqlite3_close(db);

  auto store = sqlite::create_store(path);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  // The counter is kept as a tombstone of no deployment at its seq.
  ASSERT_EQ((*store)->last_event_seq().value(), 2);
  ASSERT_TRUE((*store)->update_status(change("kept", Status::canceled)).value());
  EXPECT_EQ((*store)->last_event_seq().value(), 3);
  ASSERT_EQ((*store)->delete_deployment("kept").value(), DeleteOutcome::deleted);
  auto feed = (*store)->events_after(0, "", 10);
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  ASSERT_EQ(feed->size(), 2U);
  EXPECT_EQ(feed->front().seq, 2);
  EXPECT_EQ(feed->front().deployment_id, "");
  EXPECT_EQ(feed->front().kind, EventKind::deleted);
  EXPECT_EQ(feed->back().seq, 4);
  EXPECT_EQ(feed->back().deployment_id, "kept");
  EXPECT_EQ(feed->back().kind, EventKind::deleted);
}

TEST_F(SqliteStoreTest, RefusesANewerSchema)
{
  auto path = directory() / "metadata.db";
  ASSERT_TRUE(sqlite::create_store(path).has_value());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto store = sqlite::create_store(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

TEST_F(SqliteStoreTest, NamesTheFileWhenItIsNotADatabase)
{
  auto path = directory() / "garbage.db";
  std::ofstream(path) << std::string(4096, 'x');
  auto store = sqlite::create_store(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find(path.string()), std::string::npos) << store.error().message;
}

} // namespace

} // namespace reactor::store
