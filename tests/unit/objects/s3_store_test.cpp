#include "reactor/objects/s3/s3_store.hpp"
#include "reactor/util/sha256.hpp"

#include <gtest/gtest.h>

#include "support/s3.hpp"
#include "support/temp_dir.hpp"
#include <arpa/inet.h>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace reactor::objects::s3 {

namespace {

std::string
http_response(int status, std::string_view reason, std::string_view body = {})
{
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n" + std::string(body);
}

const std::string k_ok = http_response(200, "OK");
const std::string k_unavailable =
  http_response(503,
                "Slow Down",
                "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Reduce your request "
                "rate.</Message></Error>");

// A loopback HTTP server that answers each connection with the next scripted response
// (the last one repeats) and records the requests it received.
class ScriptedServer
{
public:
  explicit ScriptedServer(std::vector<std::string> responses)
    : m_responses(std::move(responses))
  {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (m_listener < 0 || ::bind(m_listener, as_sockaddr(&address), length) != 0 ||
        ::listen(m_listener, 16) != 0 ||
        ::getsockname(m_listener, as_sockaddr(&address), &length) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;
  ~ScriptedServer()
  {
    ::shutdown(m_listener, SHUT_RDWR);
    m_thread.join();
    ::close(m_listener);
  }

  std::string url(std::string_view bucket_and_prefix) const
  {
    return "s3://" + std::string(bucket_and_prefix) +
           "?endpoint=http://127.0.0.1:" + std::to_string(m_port) + "&region=us-east-1";
  }

  std::vector<std::string> requests() const
  {
    const std::lock_guard lock(m_mutex);
    return m_requests;
  }

private:
  static sockaddr* as_sockaddr(sockaddr_in* address)
  {
    return reinterpret_cast<sockaddr*>(address);
  }

  void serve()
  {
    for (std::size_t served = 0;; ++served) {
      const int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        return;
      }
      const auto request = read_request(client);
      {
        const std::lock_guard lock(m_mutex);
        m_requests.push_back(request);
      }
      const auto& response = m_responses[std::min(served, m_responses.size() - 1)];
      static_cast<void>(::send(client, response.data(), response.size(), MSG_NOSIGNAL));
      ::close(client);
    }
  }

  static std::string read_request(int client)
  {
    std::string data;
    std::array<char, 16 * 1024> buffer{};
    std::size_t wanted = std::string::npos;
    while (wanted == std::string::npos || data.size() < wanted) {
      const auto n = ::recv(client, buffer.data(), buffer.size(), 0);
      if (n <= 0) {
        break;
      }
      data.append(buffer.data(), static_cast<std::size_t>(n));
      const auto head_end = data.find("\r\n\r\n");
      if (wanted == std::string::npos && head_end != std::string::npos) {
        std::size_t body = 0;
        const auto at = data.find("Content-Length: ");
        if (at != std::string::npos && at < head_end) {
          body = std::stoul(data.substr(at + 16));
        }
        wanted = head_end + 4 + body;
      }
    }
    return data;
  }

  std::vector<std::string> m_responses;
  int m_listener = -1;
  std::uint16_t m_port = 0;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  std::vector<std::string> m_requests;
};

// Sets an environment variable for the scope, restoring the old value after.
class ScopedEnvironment
{
public:
  ScopedEnvironment(const char* name, const char* value)
    : m_name(name)
  {
    if (const char* old = std::getenv(name)) {
      m_old = old;
    }
    ::setenv(name, value, 1);
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  ~ScopedEnvironment()
  {
    if (m_old) {
      ::setenv(m_name, m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name);
    }
  }

private:
  const char* m_name;
  std::optional<std::string> m_old;
};

class S3Store : public ::testing::Test
{
protected:
  void SetUp() override
  {
    if (std::getenv("AWS_ACCESS_KEY_ID") == nullptr) {
      m_environment.emplace_back(std::make_unique<ScopedEnvironment>("AWS_ACCESS_KEY_ID", "test"));
    }
    if (std::getenv("AWS_SECRET_ACCESS_KEY") == nullptr) {
      m_environment.emplace_back(
        std::make_unique<ScopedEnvironment>("AWS_SECRET_ACCESS_KEY", "test"));
    }
  }

  // A store below a fresh prefix of the real S3 endpoint (REACTOR_TEST_S3_URL).
  std::unique_ptr<ObjectStore> open_real_store()
  {
    const auto base = testing::test_s3_url();
    if (!base) {
      ADD_FAILURE() << testing::k_run_under_with_s3;
      return nullptr;
    }
    auto store = create_store(testing::unique_s3_url(
      *base, ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    if (!store) {
      ADD_FAILURE() << store.error().message;
      return nullptr;
    }
    return std::move(*store);
  }

  static std::unique_ptr<ObjectStore> open_store(const std::string& url)
  {
    auto store = create_store(url);
    if (!store) {
      throw std::runtime_error(store.error().message);
    }
    return std::move(*store);
  }

private:
  std::vector<std::unique_ptr<ScopedEnvironment>> m_environment;
};

} // namespace

TEST_F(S3Store, StreamsATwentyMegabyteFileRoundTrip)
{
  auto store = open_real_store();
  ASSERT_NE(store, nullptr);
  reactor::testing::TempDir dir;
  const auto file = dir.path() / "big.bin";
  {
    std::mt19937_64 generator(42);
    std::ofstream out(file, std::ios::binary);
    std::vector<std::uint64_t> chunk(64 * 1024 / sizeof(std::uint64_t));
    for (int i = 0; i < 20 * 16; ++i) {
      for (auto& word : chunk) {
        word = generator();
      }
      out.write(reinterpret_cast<const char*>(chunk.data()),
                static_cast<std::streamsize>(chunk.size() * sizeof(std::uint64_t)));
    }
  }
  ASSERT_EQ(std::filesystem::file_size(file), 20u * 1024 * 1024);
  const auto put = store->put_file("blobs/big", file);
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(store->exists("blobs/big"), true);
  const auto got = store->get("blobs/big");
  ASSERT_TRUE(got.has_value()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->size(), 20u * 1024 * 1024);
  EXPECT_EQ(util::sha256_hex(**got), util::sha256_file_hex(file).value());
}

TEST_F(S3Store, MissingKeyIsAbsent)
{
  auto store = open_real_store();
  ASSERT_NE(store, nullptr);
  const auto got = store->get("blobs/never-written");
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(*got, std::nullopt);
  EXPECT_EQ(store->exists("blobs/never-written"), false);
}

TEST_F(S3Store, MissingBucketIsAnError)
{
  const auto base = reactor::testing::test_s3_url();
  ASSERT_TRUE(base.has_value()) << reactor::testing::k_run_under_with_s3;
  boost::urls::url url(boost::urls::parse_uri(*base).value());
  url.set_host("reactor-no-such-bucket");
  auto store = open_store(std::string(url.buffer()));
  const auto got = store->get("blobs/k");
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().message.find("bucket reactor-no-such-bucket does not exist"),
            std::string::npos)
    << got.error().message;
  const auto put = store->put("blobs/k", "x");
  ASSERT_FALSE(put.has_value());
  EXPECT_NE(put.error().message.find("NoSuchBucket"), std::string::npos) << put.error().message;
}

TEST_F(S3Store, WrongCredentialsGiveAClearError)
{
  const auto right_key = std::string(std::getenv("AWS_ACCESS_KEY_ID"));
  for (const auto& key : { std::string("NOT-A-KEY"), right_key }) {
    SCOPED_TRACE(key);
    std::unique_ptr<ObjectStore> store;
    {
      const ScopedEnvironment key_id("AWS_ACCESS_KEY_ID", key.c_str());
      const ScopedEnvironment secret("AWS_SECRET_ACCESS_KEY", "not-the-secret");
      store = open_real_store();
    }
    ASSERT_NE(store, nullptr);
    const auto put = store->put("blobs/denied", "x");
    ASSERT_FALSE(put.has_value());
    EXPECT_NE(
      put.error().message.find("access denied: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"),
      std::string::npos)
      << put.error().message;
    EXPECT_NE(put.error().message.find("blobs/denied"), std::string::npos) << put.error().message;
    EXPECT_NE(put.error().message.find("HTTP 403"), std::string::npos) << put.error().message;
    const auto got = store->get("blobs/denied");
    ASSERT_FALSE(got.has_value());
    EXPECT_NE(got.error().message.find("access denied"), std::string::npos) << got.error().message;
    const auto exists = store->exists("blobs/denied");
    ASSERT_FALSE(exists.has_value());
    EXPECT_NE(exists.error().message.find("access denied"), std::string::npos)
      << exists.error().message;
  }
}

TEST_F(S3Store, RetriesA503UntilItSucceeds)
{
  ScriptedServer server({ k_unavailable, k_unavailable, k_ok });
  auto store = open_store(server.url("bucket/prefix"));
  const auto put = store->put("blobs/k", "payload");
  ASSERT_TRUE(put.has_value()) << put.error().message;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& request : requests) {
    EXPECT_TRUE(request.starts_with("PUT /bucket/prefix/blobs/k HTTP/1.1\r\n")) << request;
    EXPECT_TRUE(request.ends_with("\r\n\r\npayload")) << request;
  }
}

TEST_F(S3Store, GivesUpAfterFourAttempts)
{
  ScriptedServer server({ k_unavailable });
  auto store = open_store(server.url("bucket"));
  const auto got = store->get("blobs/k");
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().message.find("s3://bucket/blobs/k"), std::string::npos)
    << got.error().message;
  EXPECT_NE(got.error().message.find("503 SlowDown"), std::string::npos) << got.error().message;
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST_F(S3Store, DoesNotRetryClientErrors)
{
  ScriptedServer server({ http_response(
    400, "Bad Request", "<Error><Code>InvalidArgument</Code><Message>nope</Message></Error>") });
  auto store = open_store(server.url("bucket"));
  const auto exists = store->put("blobs/k", "x");
  ASSERT_FALSE(exists.has_value());
  EXPECT_NE(exists.error().message.find("HTTP 400 InvalidArgument: nope"), std::string::npos)
    << exists.error().message;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(S3Store, RetriesConnectionFailuresThenNamesTheKey)
{
  std::string url;
  {
    ScriptedServer closed({ k_ok });
    url = closed.url("bucket/prefix");
  }
  auto store = open_store(url);
  const auto exists = store->exists("blobs/k");
  ASSERT_FALSE(exists.has_value());
  EXPECT_NE(exists.error().message.find("s3://bucket/prefix/blobs/k"), std::string::npos)
    << exists.error().message;
  EXPECT_NE(exists.error().message.find("4 attempts"), std::string::npos) << exists.error().message;
}

TEST_F(S3Store, SignsPathStyleRequestsWithEncodedKeys)
{
  ScriptedServer server({ k_ok });
  auto store = open_store(server.url("bucket/some/prefix"));
  ASSERT_TRUE(store->exists("blobs/a b+c").has_value());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests.front();
  EXPECT_TRUE(request.starts_with("HEAD /bucket/some/prefix/blobs/a%20b%2Bc HTTP/1.1\r\n"))
    << request;
  EXPECT_NE(request.find("\r\nHost: 127.0.0.1:"), std::string::npos) << request;
  EXPECT_NE(request.find("\r\nx-amz-content-sha256: e3b0c442"), std::string::npos) << request;
  EXPECT_NE(request.find("\r\nAuthorization: AWS4-HMAC-SHA256 Credential="), std::string::npos)
    << request;
  EXPECT_NE(request.find("/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;"
                         "x-amz-date"),
            std::string::npos)
    << request;
}

TEST_F(S3Store, RejectsMalformedUrlsAndMissingCredentials)
{
  for (const auto* url : { "s3://",
                           "file:///tmp/x",
                           "s3://bucket?path_style=maybe",
                           "s3://bucket?unknown=1",
                           "s3://bucket?endpoint=ftp://host",
                           "s3://bucket/a/../b",
                           "s3://bucket:9000/x" }) {
    const auto store = create_store(url);
    EXPECT_FALSE(store.has_value()) << url;
    if (!store) {
      EXPECT_NE(store.error().message.find(url), std::string::npos) << store.error().message;
    }
  }
  EXPECT_TRUE(create_store("s3://bucket/prefix").has_value());
  const ScopedEnvironment no_key("AWS_ACCESS_KEY_ID", "");
  const auto store = create_store("s3://bucket/prefix");
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

} // namespace reactor::objects::s3
