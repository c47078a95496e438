#include "reactor/builder/build_log.hpp"
#include "reactor/builder/text.hpp"
#include "reactor/util/text.hpp"

#include <gtest/gtest.h>

#include "support/fake_store.hpp"
#include <thread>

namespace reactor::builder {

using namespace std::chrono_literals;

TEST(BuildLog, WritesLinesInOrderAndInBatches)
{
  testing::FakeStore store;
  {
    BuildLog log(store, "d", { .max_lines = 1000 }, 10s);
    for (int i = 0; i < 250; ++i) {
      log.add("line " + std::to_string(i));
    }
    // Well under the 10 s timer, so only a full batch can have woken the writer. It takes
    // whatever is pending when it runs (more than one batch when it is slow to wake, as
    // under AddressSanitizer), so what is certain is one batch's worth, not two.
    for (int i = 0; i < 500 && store.logs().size() < 100; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_GE(store.logs().size(), 100u);
  }
  const auto logs = store.logs();
  ASSERT_EQ(logs.size(), 250u);
  for (int i = 0; i < 250; ++i) {
    EXPECT_EQ(logs[static_cast<std::size_t>(i)], "line " + std::to_string(i));
  }
  EXPECT_LE(store.log_batches(), 4);
}

TEST(BuildLog, FlushesQuietLogsOnATimer)
{
  testing::FakeStore store;
  BuildLog log(store, "d", { .max_lines = 1000 }, 20ms);
  log.add("only line");
  for (int i = 0; i < 100 && store.logs().empty(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(store.logs(), (std::vector<std::string>{ "only line" }));
}

TEST(BuildLog, KeepsLinesAStoreRefusedForTheNextWrite)
{
  testing::FakeStore store;
  store.fail_log_writes(2);
  {
    BuildLog log(store, "d", { .max_lines = 1000 }, 10s);
    log.add("first");
    EXPECT_FALSE(log.flush().has_value()) << "the failure is reported";
    log.add("second");
    EXPECT_FALSE(log.flush().has_value());
    log.add("third");
    EXPECT_TRUE(log.flush().has_value());
  }
  EXPECT_EQ(store.logs(), (std::vector<std::string>{ "first", "second", "third" }));
}

TEST(BuildLog, CapsTheNumberOfLines)
{
  testing::FakeStore store;
  {
    BuildLog log(store, "d", { .max_lines = 5 });
    for (int i = 0; i < 20; ++i) {
      log.add("x");
    }
    log.note("[reactor] still kept");
    ASSERT_TRUE(log.flush().has_value());
  }
  const auto logs = store.logs();
  ASSERT_EQ(logs.size(), 7u);
  EXPECT_TRUE(logs[5].starts_with(k_log_truncated)) << logs[5];
  EXPECT_NE(logs[5].find("5 lines"), std::string::npos) << logs[5];
  EXPECT_EQ(logs[6], "[reactor] still kept");
}

TEST(BuildLog, CapsTheBytesOfTheLog)
{
  testing::FakeStore store;
  {
    BuildLog log(store, "d", { .max_lines = 1000, .max_bytes = 2048 });
    for (int i = 0; i < 100; ++i) {
      log.add(std::string(99, 'x'));
    }
    ASSERT_TRUE(log.flush().has_value());
  }
  const auto logs = store.logs();
  ASSERT_EQ(logs.size(), 21u);
  EXPECT_TRUE(logs.back().starts_with(k_log_truncated));
  EXPECT_NE(logs.back().find("2 KiB"), std::string::npos) << logs.back();
}

TEST(Text, SanitizesLines)
{
  EXPECT_EQ(sanitize_line("plain \xC3\xA9t\xC3\xA9"), "plain \xC3\xA9t\xC3\xA9");
  EXPECT_EQ(sanitize_line("\x1b[32mgreen\x1b[0m"), "green");
  EXPECT_EQ(sanitize_line("bad \xff byte"), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(sanitize_line(std::string("nul\0x", 5)), "nul\xEF\xBF\xBDx");
  EXPECT_EQ(sanitize_line("tab\tkept"), "tab\tkept");
  EXPECT_TRUE(util::is_valid_utf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(util::is_valid_utf8("\xC0\x80"));
  EXPECT_FALSE(util::is_valid_utf8("\xED\xA0\x80"));
}

TEST(BuildLog, MasksTheValuesItWasGivenInEveryLineAfter)
{
  testing::FakeStore store;
  {
    BuildLog log(store, "d", { .max_lines = 1000 }, 10s);
    log.add("before: s3cr3t-value");
    log.mask({ "s3cr3t-value", "s3cr3t-value-longer", "", "short", "-----BEGIN\r\nline-two\nx" });
    log.add("token=s3cr3t-value and again s3cr3t-value");
    log.add("s3cr3t-value-longer");
    log.note("[reactor] s3cr3t-value");
    log.add(std::string("s3cr3t-") + "\x1b[1m" + "value");
    log.add("short x -----BEGIN line-two");
  }
  const auto logs = store.logs();
  ASSERT_EQ(logs.size(), 6u);
  EXPECT_EQ(logs[0], "before: s3cr3t-value") << "lines queued before stay as they were";
  EXPECT_EQ(logs[1], "token=*** and again ***");
  EXPECT_EQ(logs[2], "***");
  EXPECT_EQ(logs[3], "[reactor] ***");
  EXPECT_EQ(logs[4], "***") << "a value split by a terminal escape sequence is found too";
  EXPECT_EQ(logs[5], "short x *** ***")
    << "each line of a value is masked; 5 characters or fewer are not";
}

} // namespace reactor::builder
