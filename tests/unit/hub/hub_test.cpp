#include "reactor/hub/hub.hpp"
#include "reactor/store/sqlite/sqlite_store.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace reactor::hub {
namespace {

// Stands in for a transport: the hub's wake-ups go to an io_context nobody runs.
struct IdleReader final : net::Outbox::Reader
{
  void on_outbox_ready() override {}
};

// The hub against a real SQLite store, fed the way the process's FeedFollower feeds it.
class HubTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto created = store::sqlite::create_store(m_dir.path() / "metadata.db");
    ASSERT_TRUE(created.has_value()) << created.error().message;
    m_store = std::move(*created);
    for (const char* id : { "watched", "other" }) {
      core::Deployment deployment;
      deployment.id = id;
      deployment.repo_url = "https://example.com/app.git";
      ASSERT_TRUE(m_store->create_deployment(deployment).has_value());
    }
    m_hub = std::make_unique<Hub>(*m_store, "example.test");
  }

  std::shared_ptr<net::Outbox> outbox()
  {
    auto made = std::make_shared<net::Outbox>(1000);
    made->attach(m_context.get_executor(), m_reader);
    return made;
  }

  // What the feed has that the hub has not been given yet, handed to it.
  void deliver_new_events()
  {
    auto events = m_store->events_after(m_delivered, "", 1000);
    ASSERT_TRUE(events.has_value());
    if (!events->empty()) {
      m_delivered = events->back().seq;
    }
    m_hub->deliver(*events);
  }

  void set_status(const std::string& id, core::Status status)
  {
    ASSERT_TRUE(m_store->update_status({ id, status, core::Phase::none, {}, {} }).has_value());
  }

  void log(const std::string& id, const std::string& line)
  {
    const std::vector<std::string> lines{ line };
    ASSERT_TRUE(m_store->append_logs(id, lines).has_value());
  }

  // The messages queued since the last call; `open` says whether the outbox still is
  // once they are taken.
  static std::vector<std::string> taken(net::Outbox& box, bool* open = nullptr)
  {
    std::vector<net::Outbox::Message> messages;
    box.take(messages);
    if (open != nullptr) {
      std::vector<net::Outbox::Message> rest;
      *open = box.take(rest);
    }
    std::vector<std::string> texts;
    texts.reserve(messages.size());
    for (const auto& message : messages) {
      texts.push_back(*message);
    }
    return texts;
  }

  testing::TempDir m_dir;
  std::unique_ptr<store::MetadataStore> m_store;
  std::unique_ptr<Hub> m_hub;
  boost::asio::io_context m_context;
  std::shared_ptr<IdleReader> m_reader = std::make_shared<IdleReader>();
  std::int64_t m_delivered = 0;
};

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

TEST_F(HubTest, AWatchStartsWithTheCurrentStatusThenGetsLiveEventsOfItsDeploymentOnly)
{
  deliver_new_events();
  auto box = outbox();
  ASSERT_TRUE(m_hub->watch("watched", std::nullopt, box).has_value());
  auto first = taken(*box);
  ASSERT_EQ(first.size(), 1U);
  EXPECT_TRUE(contains(first[0], R"("type":"STATUS_UPDATE")")) << first[0];
  EXPECT_TRUE(contains(first[0], R"("status":"PENDING")")) << first[0];

  set_status("other", core::Status::in_progress);
  log("other", "not for this watcher");
  set_status("watched", core::Status::in_progress);
  log("watched", "npm install");
  deliver_new_events();
  const auto live = taken(*box);
  ASSERT_EQ(live.size(), 2U);
  EXPECT_TRUE(contains(live[0], R"("status":"IN_PROGRESS")")) << live[0];
  EXPECT_TRUE(contains(live[1], R"("line":"npm install")")) << live[1];
}

TEST_F(HubTest, AWatchFromASeqReplaysWhatFollowsItOnceThenGoesLive)
{
  log("watched", "one");
  log("watched", "two");
  log("watched", "three");
  auto stored = m_store->events_after(0, "watched", 100);
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->size(), 4U); // PENDING, then three lines
  auto box = outbox();
  ASSERT_TRUE(m_hub->watch("watched", (*stored)[1].seq, box).has_value());
  // The feed hands the hub the same events again: they must not be repeated.
  deliver_new_events();
  log("watched", "four");
  deliver_new_events();
  const auto messages = taken(*box);
  ASSERT_EQ(messages.size(), 3U);
  EXPECT_TRUE(contains(messages[0], R"("line":"two")"));
  EXPECT_TRUE(contains(messages[1], R"("line":"three")"));
  EXPECT_TRUE(contains(messages[2], R"("line":"four")"));
}

TEST_F(HubTest, AnSseStreamEndsAfterTheFinalStatusAndLogTextShowsOnlyLines)
{
  deliver_new_events();
  auto sse = outbox();
  auto text = outbox();
  ASSERT_TRUE(m_hub->watch("watched", 0, sse, Hub::Format::sse).has_value());
  ASSERT_TRUE(m_hub->watch("watched", 0, text, Hub::Format::log_text).has_value());
  log("watched", "built");
  set_status("watched", core::Status::deployed);
  deliver_new_events();

  bool open = true;
  const auto events = taken(*sse, &open);
  ASSERT_EQ(events.size(), 3U); // PENDING, the line, DEPLOYED
  EXPECT_TRUE(events[0].starts_with("id: ")) << events[0];
  EXPECT_TRUE(contains(events[2], R"("status":"DEPLOYED")")) << events[2];
  EXPECT_FALSE(open) << "the stream ends after the outcome";

  const auto lines = taken(*text, &open);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0], "built\n");
  EXPECT_FALSE(open);
}

TEST_F(HubTest, AnUnwatchedOutboxGetsNothingMore)
{
  deliver_new_events();
  auto box = outbox();
  const auto id = m_hub->watch("watched", std::nullopt, box);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(taken(*box).size(), 1U);
  m_hub->unwatch(*id);
  log("watched", "after unwatch");
  deliver_new_events();
  EXPECT_TRUE(taken(*box).empty());
}

TEST_F(HubTest, AProjectsWatchGetsItsDeploymentsStatusesAndAliasMovesLive)
{
  ASSERT_TRUE(m_store->create_project(
    core::Project{ .name = "shop", .repo_url = "x", .production_branch = "main" }));
  deliver_new_events();
  auto box = outbox();
  auto sse = outbox();
  ASSERT_TRUE(m_hub->watch_project("shop", std::nullopt, box).has_value());
  EXPECT_TRUE(taken(*box).empty()) << "without since, a project's watch starts live";
  ASSERT_TRUE(m_hub->watch_project("shop", 0, sse, Hub::Format::sse).has_value());

  core::Deployment built;
  built.id = "built";
  built.repo_url = "x";
  built.project = "shop";
  built.branch = "main";
  built.ref = "main";
  ASSERT_TRUE(m_store->create_deployment(built).has_value());
  set_status("watched", core::Status::in_progress); // not the project's
  log("built", "a line the project's watchers skip");
  auto job = m_store->lease_job(std::chrono::minutes(1));
  while (job && job->has_value() && (*job)->deployment_id != "built") {
    job = m_store->lease_job(std::chrono::minutes(1));
  }
  ASSERT_TRUE(job && job->has_value());
  ASSERT_TRUE(
    m_store->finish_job(**job, { "built", core::Status::deployed, core::Phase::none, {}, {} })
      .has_value());
  deliver_new_events();

  const auto messages = taken(*box);
  ASSERT_EQ(messages.size(), 4U); // PENDING, DEPLOYED, then the branch's and production's
  EXPECT_TRUE(contains(messages[0], R"("status":"PENDING")")) << messages[0];
  EXPECT_TRUE(contains(messages[1], R"("status":"DEPLOYED")")) << messages[1];
  EXPECT_TRUE(contains(messages[3], R"("type":"ALIAS_UPDATE")")) << messages[3];
  EXPECT_TRUE(contains(messages[3], R"("project":"shop")")) << messages[3];
  EXPECT_TRUE(contains(messages[3], R"("hostname":"shop.example.test")")) << messages[3];
  EXPECT_TRUE(contains(messages[3], R"("deploymentId":"built")")) << messages[3];

  bool open = false;
  const auto events = taken(*sse, &open);
  EXPECT_EQ(events.size(), 4U) << "the SSE stream replays from 0 and shows alias moves too";
  EXPECT_TRUE(open) << "a project's stream does not end with a deployment";
}

} // namespace
} // namespace reactor::hub
