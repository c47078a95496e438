// The object store's contract, run unchanged against every backend.
#include "reactor/objects/local/local_store.hpp"
#include "reactor/objects/s3/s3_store.hpp"

#include <gtest/gtest.h>

#include "support/s3.hpp"
#include "support/temp_dir.hpp"
#include <atomic>
#include <fstream>
#include <map>
#include <thread>

namespace reactor::objects {

namespace {

enum class Backend
{
  local,
  s3,
};

void
PrintTo(Backend backend, std::ostream* out)
{
  *out << (backend == Backend::local ? "local" : "s3");
}

std::string
backend_name(const ::testing::TestParamInfo<Backend>& info)
{
  return info.param == Backend::local ? "local" : "s3";
}

class ObjectStoreSuite : public ::testing::TestWithParam<Backend>
{
protected:
  void SetUp() override
  {
    if (GetParam() == Backend::local) {
      auto store = local::create_store(m_scratch.path() / "objects");
      ASSERT_TRUE(store.has_value()) << store.error().message;
      m_store = std::move(*store);
      return;
    }
    const auto base = testing::test_s3_url();
    ASSERT_TRUE(base.has_value()) << testing::k_run_under_with_s3;
    m_s3_url = testing::unique_s3_url(
      *base, ::testing::UnitTest::GetInstance()->current_test_info()->name());
    auto store = s3::create_store(m_s3_url);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    m_store = std::move(*store);
  }

  ObjectStore& store() { return *m_store; }

  // A local directory for source files, not part of the store.
  const std::filesystem::path& scratch() const { return m_scratch.path(); }

  // Everything the backend holds for this test, stray temporary objects included.
  std::size_t count_objects() const
  {
    if (GetParam() == Backend::s3) {
      return testing::count_s3_objects(m_s3_url);
    }
    std::size_t count = 0;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(m_scratch.path() / "objects")) {
      count += entry.is_regular_file() ? 1 : 0;
    }
    return count;
  }

private:
  testing::TempDir m_scratch;
  std::string m_s3_url;
  std::unique_ptr<ObjectStore> m_store;
};

// The object's bytes, nullopt when absent; throws on a store failure.
std::optional<std::string>
read(ObjectStore& store, std::string_view key)
{
  auto got = store.get(key);
  if (!got) {
    throw std::runtime_error(got.error().message);
  }
  return *got;
}

} // namespace

TEST_P(ObjectStoreSuite, PutGetExists)
{
  EXPECT_EQ(store().exists("blobs/abc"), false);
  EXPECT_EQ(read(store(), "blobs/abc"), std::optional<std::string>{});
  ASSERT_TRUE(store().put("blobs/abc", std::string("hello\0world", 11)).has_value());
  EXPECT_EQ(store().exists("blobs/abc"), true);
  EXPECT_EQ(read(store(), "blobs/abc"),
            std::optional<std::string>(std::string("hello\0world", 11)));
  ASSERT_TRUE(store().put("blobs/abc", "replaced").has_value());
  EXPECT_EQ(read(store(), "blobs/abc"), std::optional<std::string>("replaced"));
  EXPECT_EQ(count_objects(), 1u);
}

TEST_P(ObjectStoreSuite, StoresEmptyObjects)
{
  const auto source = scratch() / "empty";
  std::ofstream{ source }.close(); // creates it, empty
  ASSERT_TRUE(store().put("blobs/empty", "").has_value());
  ASSERT_TRUE(store().put_file("blobs/empty-file", source).has_value());
  EXPECT_EQ(store().exists("blobs/empty"), true);
  EXPECT_EQ(read(store(), "blobs/empty"), std::optional<std::string>(""));
  EXPECT_EQ(read(store(), "blobs/empty-file"), std::optional<std::string>(""));
}

TEST_P(ObjectStoreSuite, PutFileCopiesContent)
{
  const auto source = scratch() / "source.txt";
  std::ofstream(source) << "from a file";
  ASSERT_TRUE(store().put_file("manifests/x.json", source).has_value());
  EXPECT_EQ(read(store(), "manifests/x.json"), std::optional<std::string>("from a file"));
  EXPECT_FALSE(store().put_file("manifests/y.json", scratch() / "missing").has_value());
  EXPECT_EQ(store().exists("manifests/y.json"), false);
  EXPECT_EQ(count_objects(), 1u);
}

TEST_P(ObjectStoreSuite, RejectsKeysThatEscapeTheRoot)
{
  for (const auto* key : { "../escape", "/abs", "a/../../b", "", "a//b", "a/" }) {
    EXPECT_FALSE(store().put(key, "x").has_value()) << key;
    EXPECT_FALSE(store().get(key).has_value()) << key;
  }
  EXPECT_FALSE(std::filesystem::exists(scratch() / "escape"));
  EXPECT_EQ(count_objects(), 0u);
}

TEST_P(ObjectStoreSuite, RejectsInvalidKeysInEveryMethod)
{
  const auto source = scratch() / "source.txt";
  std::ofstream(source) << "x";
  for (const auto* key : { "./a", "a/.", "..", "a/./b" }) {
    EXPECT_FALSE(store().put(key, "x").has_value()) << key;
    EXPECT_FALSE(store().put_file(key, source).has_value()) << key;
    EXPECT_FALSE(store().get(key).has_value()) << key;
    EXPECT_FALSE(store().exists(key).has_value()) << key;
  }
  EXPECT_EQ(count_objects(), 0u);
}

TEST_P(ObjectStoreSuite, KeepsKeysWithUnusualCharacters)
{
  const std::string key = "blobs/a b+c%20(1)=é&?#";
  ASSERT_TRUE(store().put(key, "odd").has_value());
  EXPECT_EQ(store().exists(key), true);
  EXPECT_EQ(read(store(), key), std::optional<std::string>("odd"));
  EXPECT_EQ(read(store(), "blobs/a b+c (1)=é&?#"), std::optional<std::string>{});
}

TEST_P(ObjectStoreSuite, ReadersNeverSeePartialObjects)
{
  const std::string a(256 * 1024, 'a');
  const std::string b(256 * 1024, 'b');
  ASSERT_TRUE(store().put("blobs/x", a).has_value());
  std::atomic<bool> done{ false };
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) {
      static_cast<void>(store().put("blobs/x", i % 2 == 0 ? b : a));
    }
    done = true;
  });
  while (!done) {
    const auto got = store().get("blobs/x");
    const bool whole = got.has_value() && got->has_value() && (**got == a || **got == b);
    EXPECT_TRUE(whole) << (got ? "partial object" : got.error().message);
    if (!whole) {
      break;
    }
  }
  writer.join();
  EXPECT_EQ(count_objects(), 1u);
}

TEST_P(ObjectStoreSuite, ServesConcurrentCallers)
{
  std::vector<std::thread> threads;
  std::atomic<int> failures{ 0 };
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const auto key = "blobs/t" + std::to_string(t) + "-" + std::to_string(i);
        const auto value = key + " value";
        if (!store().put(key, value) || store().get(key) != std::optional<std::string>(value)) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(count_objects(), 40u);
}

TEST_P(ObjectStoreSuite, ListsStatsAndRemoves)
{
  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(2);
  ASSERT_TRUE(store().put("blobs/one", "1").has_value());
  ASSERT_TRUE(store().put("blobs/two", "22").has_value());
  ASSERT_TRUE(store().put("manifests/m.json", "{}").has_value());

  auto blobs = store().list("blobs/");
  ASSERT_TRUE(blobs.has_value()) << blobs.error().message;
  std::map<std::string, std::uint64_t> sizes;
  for (const auto& blob : *blobs) {
    sizes.emplace(blob.key, blob.size);
    EXPECT_GT(blob.modified, before) << blob.key;
    EXPECT_LT(blob.modified, std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  EXPECT_EQ(sizes,
            (std::map<std::string, std::uint64_t>{ { "blobs/one", 1 }, { "blobs/two", 2 } }));
  EXPECT_EQ(store().list("nothing/").value().size(), 0u);

  const auto info = store().stat("blobs/two");
  ASSERT_TRUE(info.has_value() && info->has_value());
  EXPECT_EQ((*info)->size, 2u);
  EXPECT_GT((*info)->modified, before);
  EXPECT_FALSE(store().stat("blobs/missing").value().has_value());

  ASSERT_TRUE(store().remove("blobs/one").has_value());
  ASSERT_TRUE(store().remove("blobs/one").has_value()) << "removing an absent object succeeds";
  EXPECT_EQ(store().exists("blobs/one"), false);
  EXPECT_EQ(count_objects(), 2u);
}

TEST_P(ObjectStoreSuite, RemoveIfUnchangedSparesAnObjectWrittenAgain)
{
  ASSERT_TRUE(store().put("blobs/x", "old").has_value());
  const auto listed = store().stat("blobs/x").value().value().modified;
  // Modification times have whole seconds on S3.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_TRUE(store().put("blobs/x", "old").has_value());

  EXPECT_EQ(store().remove_if_unchanged("blobs/x", listed), false);
  EXPECT_EQ(read(store(), "blobs/x"), std::optional<std::string>("old"));
  EXPECT_EQ(count_objects(), 1u) << "nothing left aside";

  const auto relisted = store().stat("blobs/x").value().value().modified;
  EXPECT_EQ(store().remove_if_unchanged("blobs/x", relisted), true);
  EXPECT_EQ(store().exists("blobs/x"), false);
  EXPECT_EQ(store().remove_if_unchanged("blobs/x", relisted), false);
  EXPECT_EQ(count_objects(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Local, ObjectStoreSuite, ::testing::Values(Backend::local), backend_name);
INSTANTIATE_TEST_SUITE_P(S3, ObjectStoreSuite, ::testing::Values(Backend::s3), backend_name);

} // namespace reactor::objects
