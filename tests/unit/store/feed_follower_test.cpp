#include "reactor/store/feed_follower.hpp"
#include "reactor/store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace reactor::store {

namespace {

using namespace std::chrono_literals;

class FeedFollowerTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto store = sqlite::create_store(m_directory.path() / "metadata.db");
    ASSERT_TRUE(store.has_value()) << store.error().message;
    m_store = std::move(*store);
  }

  void create(const std::string& id)
  {
    core::Deployment deployment;
    deployment.id = id;
    deployment.repo_url = "https://example.com/site.git";
    auto created = m_store->create_deployment(deployment);
    ASSERT_TRUE(created.has_value()) << created.error().message;
  }

  reactor::testing::TempDir m_directory; // outlives the store
  std::unique_ptr<MetadataStore> m_store;
};

TEST_F(FeedFollowerTest, HandsOnOnlyNewerEventsInOrderOnceWokenUp)
{
  create("before");
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::string> seen;
  FeedFollower follower(*m_store, [&](const std::vector<core::Event>& events) {
    std::scoped_lock lock(mutex);
    for (const auto& event : events) {
      seen.push_back(event.deployment_id);
    }
    arrived.notify_all();
  });
  m_store->on_change([&follower] { follower.notify(); });
  ASSERT_TRUE(follower.start().has_value());

  create("first");
  create("second");
  std::unique_lock lock(mutex);
  // Well under the once-a-second fallback read: the wake-up did it.
  EXPECT_TRUE(arrived.wait_for(lock, 800ms, [&] { return seen.size() >= 2; }));
  EXPECT_EQ(seen, (std::vector<std::string>{ "first", "second" }));
}

TEST_F(FeedFollowerTest, DeletionsOnlyHandsOnTombstonesAlone)
{
  create("kept");
  create("gone");
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<core::Event> seen;
  FeedFollower follower(
    *m_store,
    [&](const std::vector<core::Event>& events) {
      std::scoped_lock lock(mutex);
      seen.insert(seen.end(), events.begin(), events.end());
      arrived.notify_all();
    },
    FeedFollower::Events::edge);
  m_store->on_change([&follower] { follower.notify(); });
  ASSERT_TRUE(follower.start().has_value());

  const std::vector<std::string> lines{ "building" };
  ASSERT_TRUE(m_store->append_logs("kept", lines).has_value());
  core::StatusChange canceled;
  canceled.deployment_id = "gone";
  canceled.status = core::Status::canceled;
  ASSERT_TRUE(m_store->update_status(canceled).value());
  ASSERT_EQ(m_store->delete_deployment("gone").value(), DeleteOutcome::deleted);
  ASSERT_TRUE(m_store->append_logs("kept", lines).has_value());

  std::unique_lock lock(mutex);
  EXPECT_TRUE(arrived.wait_for(lock, 800ms, [&] { return !seen.empty(); }));
  lock.unlock();
  std::this_thread::sleep_for(50ms); // a log line handed on late would show up here
  lock.lock();
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].kind, core::EventKind::deleted);
  EXPECT_EQ(seen[0].deployment_id, "gone");
}

} // namespace

} // namespace reactor::store
