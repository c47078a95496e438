#include "reactor/builder/clone_target.hpp"
#include "reactor/builder/git.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace reactor::builder {

namespace {

using reactor::testing::TempDir;
using testing::commit_all;
using testing::run;
using testing::write_file;

struct Repository
{
  TempDir dir;
  std::string first;
  std::string second;
  std::string feature;

  Repository()
  {
    const auto repo = dir.path() / "repo";
    write_file(repo / "package.json", R"({"scripts":{"build":"true"}})");
    first = commit_all(repo, "first");
    write_file(repo / "README.md", "second\n");
    second = commit_all(repo, "second");
    run({ "git", "-C", repo.string(), "tag", "v1" });
    run({ "git", "-C", repo.string(), "checkout", "--quiet", "-b", "feature" });
    write_file(repo / "feature.txt", "feature\n");
    feature = commit_all(repo, "feature");
    run({ "git", "-C", repo.string(), "checkout", "--quiet", "main" });
  }

  std::string url() const { return "file://" + (dir.path() / "repo").string(); }
};

CloneRequest
request(const TempDir& work, std::string url, std::string ref)
{
  std::filesystem::create_directories(work.path() / "home");
  return CloneRequest{ std::move(url),       std::move(ref), work.path() / "checkout",
                       work.path() / "home", true,           std::chrono::seconds(60) };
}

} // namespace

TEST(Git, ClonesTheDefaultBranchOfALocalRepository)
{
  Repository repo;
  TempDir work;
  std::vector<std::string> log;
  const auto commit = clone_repository(request(work, repo.url(), ""),
                                       [&](std::string_view line) { log.emplace_back(line); });
  ASSERT_TRUE(commit.has_value()) << commit.error().message;
  EXPECT_EQ(*commit, repo.second);
  EXPECT_TRUE(std::filesystem::exists(work.path() / "checkout" / "README.md"));
  EXPECT_FALSE(std::filesystem::exists(work.path() / "checkout" / "feature.txt"));
  const auto depth =
    run({ "git", "-C", (work.path() / "checkout").string(), "rev-list", "--count", "HEAD" });
  EXPECT_EQ(depth.at(0), "1");
  EXPECT_TRUE(log.empty()); // a network step's output could tell a closed port from a missing repo
}

TEST(Git, ClonesABranchATagAndACommit)
{
  Repository repo;
  {
    TempDir work;
    EXPECT_EQ(clone_repository(request(work, repo.url(), "feature"), {}), repo.feature);
  }
  {
    TempDir work;
    EXPECT_EQ(clone_repository(request(work, repo.url(), "v1"), {}), repo.second);
  }
  {
    TempDir work;
    const auto commit = clone_repository(request(work, repo.url(), repo.first), {});
    ASSERT_TRUE(commit.has_value()) << commit.error().message;
    EXPECT_EQ(*commit, repo.first);
    EXPECT_FALSE(std::filesystem::exists(work.path() / "checkout" / "README.md"));
  }
}

TEST(Git, ExplainsAMissingRef)
{
  Repository repo;
  TempDir work;
  const auto commit = clone_repository(request(work, repo.url(), "nope"), {});
  ASSERT_FALSE(commit.has_value());
  EXPECT_EQ(commit.error().kind, CloneFailure::Kind::ref_not_found);
  EXPECT_EQ(commit.error().message, "Branch or tag 'nope' not found in the repository");

  TempDir other;
  const auto missing = clone_repository(request(other, repo.url(), std::string(40, 'a')), {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, CloneFailure::Kind::ref_not_found);
}

TEST(Git, ExplainsAMissingRepository)
{
  TempDir work;
  const auto commit =
    clone_repository(request(work, "file://" + (work.path() / "none").string(), ""), {});
  ASSERT_FALSE(commit.has_value());
  EXPECT_EQ(commit.error().kind, CloneFailure::Kind::repository_not_found);
  EXPECT_EQ(commit.error().message, k_unreachable_repository);
}

TEST(Git, RefusesLocalRepositoriesUnlessAllowed)
{
  Repository repo;
  TempDir work;
  auto req = request(work, repo.url(), "");
  req.allow_local = false;
  const auto commit = clone_repository(req, {});
  ASSERT_FALSE(commit.has_value());
  EXPECT_EQ(commit.error().kind, CloneFailure::Kind::refused);
  EXPECT_FALSE(std::filesystem::exists(work.path() / "checkout" / "package.json"));

  TempDir plain;
  auto path_request = request(plain, (repo.dir.path() / "repo").string(), "");
  path_request.allow_local = false;
  EXPECT_FALSE(clone_repository(path_request, {}).has_value());
  EXPECT_FALSE(std::filesystem::exists(plain.path() / "checkout" / "package.json"));
}

TEST(Git, RejectsOptionLikeInput)
{
  TempDir work;
  EXPECT_FALSE(clone_repository(request(work, "--upload-pack=touch /tmp/x", ""), {}).has_value());
  EXPECT_FALSE(
    clone_repository(request(work, "https://example.invalid/x.git", "--upload-pack=x"), {})
      .has_value());
}

TEST(Git, StopsAtTheTimeLimit)
{
  // A listener that never accepts: the connection opens and git waits for an answer.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  TempDir work;
  auto req =
    request(work, "git://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/repo.git", "");
  req.timeout = std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  const auto commit = clone_repository(req, {});
  ::close(listener);
  ASSERT_FALSE(commit.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(commit.error().kind, CloneFailure::Kind::timed_out) << commit.error().message;
  EXPECT_TRUE(commit.error().message.starts_with("Cloning the repository took longer than"));
}

} // namespace reactor::builder
