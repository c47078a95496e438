#include "reactor/acme/client.hpp"
#include "reactor/acme/key.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace reactor::acme {
namespace {

// Answers requests from a script, in order, and remembers what it was asked.
class ScriptedTransport final : public Transport
{
public:
  std::deque<HttpResponse> answers;
  std::vector<std::string> asked; // "METHOD url"

  util::Result<HttpResponse> request(std::string_view method,
                                     const std::string& url,
                                     const std::string& /*body*/) override
  {
    asked.push_back(std::string(method) + " " + url);
    if (answers.empty()) {
      return util::fail("no answer scripted");
    }
    auto answer = std::move(answers.front());
    answers.pop_front();
    return answer;
  }
};

const HttpResponse k_directory{
  200,
  {},
  R"({"newNonce":"https://ca/nonce","newAccount":"https://ca/acct","newOrder":"https://ca/order"})"
};

HttpResponse
nonce(std::string value)
{
  return { 200, { { "replay-nonce", std::move(value) } }, "" };
}

TEST(AcmeClient, RetriesOnceOnBadNonceWithTheNonceItGave)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  ScriptedTransport transport;
  transport.answers = {
    k_directory,
    nonce("n1"),
    { 400,
      { { "replay-nonce", "n2" } },
      R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"})" },
    { 201, { { "location", "https://ca/acct/7" }, { "replay-nonce", "n3" } }, "{}" },
  };
  Client client(transport, **key, "https://ca/dir", [](auto) {});
  ASSERT_TRUE(client.open());
  auto account = client.register_account("ops@example.com");
  ASSERT_TRUE(account) << account.error().message;
  EXPECT_EQ(*account, "https://ca/acct/7");
  EXPECT_EQ(transport.asked,
            (std::vector<std::string>{ "GET https://ca/dir",
                                       "HEAD https://ca/nonce",
                                       "POST https://ca/acct",
                                       "POST https://ca/acct" }));
}

TEST(AcmeClient, ASecondBadNonceFailsWithTheProblem)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  ScriptedTransport transport;
  const HttpResponse bad{ 400,
                          { { "replay-nonce", "n" } },
                          R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"})" };
  transport.answers = { k_directory, nonce("n1"), bad, bad };
  Client client(transport, **key, "https://ca/dir", [](auto) {});
  ASSERT_TRUE(client.open());
  auto account = client.register_account("ops@example.com");
  ASSERT_FALSE(account);
  EXPECT_NE(account.error().message.find("stale"), std::string::npos) << account.error().message;
}

TEST(AcmeClient, PollsAnAuthorizationWaitingWhatRetryAfterSays)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  ScriptedTransport transport;
  transport.answers = {
    k_directory,
    nonce("n1"),
    { 200, { { "replay-nonce", "n2" }, { "retry-after", "3" } }, R"({"status":"pending"})" },
    { 200,
      { { "replay-nonce", "n3" } },
      R"({"status":"invalid","identifier":{"type":"dns","value":"a.test"},)"
      R"("challenges":[{"type":"dns-01","url":"u","token":"t","error":{"detail":"wrong TXT"}}]})" },
  };
  std::vector<std::chrono::milliseconds> waited;
  Client client(transport, **key, "https://ca/dir", [&](auto delay) { waited.push_back(delay); });
  ASSERT_TRUE(client.open());
  client.use_account("https://ca/acct/1");
  auto decided = client.await_authorization("https://ca/authz/1", 5);
  ASSERT_TRUE(decided) << decided.error().message;
  EXPECT_EQ(decided->status, "invalid");
  EXPECT_EQ(decided->domain, "a.test");
  EXPECT_EQ(decided->error, "wrong TXT");
  EXPECT_EQ(waited, (std::vector<std::chrono::milliseconds>{ std::chrono::seconds(3) }));
}

TEST(AcmeClient, KeyAuthorizationIsTokenDotThumbprint)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  ScriptedTransport transport;
  const Client client(transport, **key, "https://ca/dir", [](auto) {});
  EXPECT_EQ(client.key_authorization("tok"), "tok." + jwk_thumbprint(public_jwk(**key)));
}

TEST(AcmeClient, ADirectoryWithoutEndpointsSaysWhichFlag)
{
  auto key = generate_key();
  ASSERT_TRUE(key);
  ScriptedTransport transport;
  transport.answers = { { 200, {}, "{}" } };
  Client client(transport, **key, "https://ca/dir", [](auto) {});
  auto opened = client.open();
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("--acme-directory"), std::string::npos);
}

} // namespace
} // namespace reactor::acme
