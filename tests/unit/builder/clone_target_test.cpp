#include "reactor/builder/clone_target.hpp"

#include <gtest/gtest.h>

#include "helpers.hpp"
#include "support/temp_dir.hpp"
#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace reactor::builder {

namespace {

namespace ip = boost::asio::ip;
using Kind = CloneFailure::Kind;
using reactor::testing::TempDir;

// A resolver that answers every name with `addresses`.
Resolver
resolving_to(const std::vector<std::string>& addresses)
{
  return
    [addresses](const std::string&, const std::string&) -> std::expected<Addresses, std::string> {
      Addresses out;
      for (const auto& text : addresses) {
        out.push_back(ip::make_address(text));
      }
      return out;
    };
}

Kind
kind_of(std::string_view url, bool allow_local, const Resolver& resolve = resolve_host)
{
  auto target = pin_clone_target(url, allow_local, resolve);
  return target ? Kind::git_failed : target.error().kind;
}

// A loopback HTTP server that answers every request with `response` and counts
// connections.
class CannedServer
{
public:
  explicit CannedServer(std::string response)
    : m_response(std::move(response))
  {
    m_socket = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(m_socket, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(::listen(m_socket, 8), 0);
    EXPECT_EQ(::getsockname(m_socket, reinterpret_cast<sockaddr*>(&address), &length), 0);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~CannedServer()
  {
    ::shutdown(m_socket, SHUT_RDWR);
    ::close(m_socket);
    m_thread.join();
  }
  CannedServer(const CannedServer&) = delete;
  CannedServer& operator=(const CannedServer&) = delete;

  int port() const { return m_port; }
  int connections() const { return m_connections.load(); }

private:
  void serve()
  {
    while (true) {
      const int client = ::accept(m_socket, nullptr, nullptr);
      if (client < 0) {
        return;
      }
      ++m_connections;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const auto got = ::read(client, buffer, sizeof(buffer));
        if (got <= 0) {
          break;
        }
        request.append(buffer, static_cast<std::size_t>(got));
      }
      static_cast<void>(::write(client, m_response.data(), m_response.size()));
      ::close(client);
    }
  }

  std::string m_response;
  int m_socket = -1;
  int m_port = 0;
  std::atomic<int> m_connections{ 0 };
  std::thread m_thread;
};

std::expected<std::string, CloneFailure>
clone(const TempDir& work, const std::string& url, std::vector<std::string>* log = nullptr)
{
  std::filesystem::create_directories(work.path() / "home");
  CloneRequest request{
    url, "", work.path() / "checkout", work.path() / "home", true, std::chrono::seconds(30)
  };
  return clone_repository(request, [&](std::string_view line) {
    if (log != nullptr) {
      log->emplace_back(line);
    }
  });
}

int
closed_port()
{
  CannedServer server("");
  return server.port(); // closed once the server is gone
}

} // namespace

TEST(CloneTarget, RefusesANameThatResolvesToLoopback)
{
  // localhost resolves to 127.0.0.1 and ::1 through /etc/hosts.
  const auto target = pin_clone_target("https://localhost/x.git", false);
  ASSERT_FALSE(target);
  EXPECT_EQ(target.error().kind, Kind::refused);
  EXPECT_NE(target.error().message.find("this machine"), std::string::npos)
    << target.error().message;
  EXPECT_TRUE(pin_clone_target("https://localhost/x.git", true));
}

TEST(CloneTarget, RefusesWhenAnyResolvedAddressIsNotPublic)
{
  for (const auto& addresses :
       std::vector<std::vector<std::string>>{ { "10.0.0.7" },
                                              { "8.8.8.8", "192.168.1.1" },
                                              { "2606:4700::1111", "fd00::1" },
                                              { "169.254.169.254" },
                                              { "::ffff:127.0.0.1" },
                                              { "64:ff9b::a9fe:a9fe" },
                                              { "100.64.0.1" },
                                              { "0.0.0.0" } }) {
    EXPECT_EQ(kind_of("https://git.example.com/x.git", false, resolving_to(addresses)),
              Kind::refused)
      << addresses.back();
  }
  // Loopback only with --allow-local-repos, private ranges never.
  EXPECT_EQ(kind_of("https://git.example.com/x.git", true, resolving_to({ "127.0.0.1" })),
            Kind::git_failed);
  EXPECT_EQ(kind_of("https://git.example.com/x.git", true, resolving_to({ "10.0.0.1" })),
            Kind::refused);
}

TEST(CloneTarget, RefusesEveryNumericSpellingWithoutResolving)
{
  const Resolver never = [](const std::string& host, const std::string&) {
    ADD_FAILURE() << "resolved " << host;
    return std::expected<Addresses, std::string>(Addresses{});
  };
  for (const char* url : { "http://2130706433:1/x.git",
                           "http://0x7f.1:1/x.git",
                           "http://0x7f000001:1/x.git",
                           "http://0177.0.0.1/x.git",
                           "http://127.1/x.git",
                           "http://[::ffff:127.0.0.1]:1/x.git",
                           "http://[::1]/x.git",
                           "http://0/x.git",
                           "git://167772161/x.git",
                           "http://[fe80::1]/x.git",
                           "http://[64:ff9b::7f00:1]/x.git",
                           "http://1.2.3.4.5/x.git",
                           "http://1.2.3.4.evil.example/x.git",
                           "http://%31%32%37.0.0.1/x.git",
                           "http://example.com./x.git",
                           "file:///tmp/x",
                           "/tmp/x",
                           "ssh://example.com/x.git" }) {
    EXPECT_EQ(kind_of(url, false, never), Kind::refused) << url;
  }
}

TEST(CloneTarget, PinsHttpToTheCheckedAddressesAndTurnsRedirectsOff)
{
  const auto target = pin_clone_target(
    "https://Git.Example.com/o/x.git", false, resolving_to({ "140.82.121.3", "2606:4700::1111" }));
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(target->url, "https://Git.Example.com/o/x.git");
  EXPECT_EQ(target->git_config,
            (std::vector<std::string>{
              "http.followRedirects=false",
              "http.curloptResolve=git.example.com:443:140.82.121.3,[2606:4700::1111]" }));

  const auto port =
    pin_clone_target("http://example.com:8080/x.git", false, resolving_to({ "140.82.121.3" }));
  ASSERT_TRUE(port);
  EXPECT_EQ(port->git_config.back(), "http.curloptResolve=example.com:8080:140.82.121.3");
}

TEST(CloneTarget, GivesGitTheCheckedAddressForNumericHostsAndGitUrls)
{
  const auto numeric = pin_clone_target("https://0x08080808/x.git", false);
  ASSERT_TRUE(numeric);
  EXPECT_EQ(numeric->url, "https://8.8.8.8/x.git");
  EXPECT_EQ(numeric->git_config, std::vector<std::string>{ "http.followRedirects=false" });

  const auto git =
    pin_clone_target("git://example.com/x.git", false, resolving_to({ "2606:4700::1111" }));
  ASSERT_TRUE(git);
  EXPECT_EQ(git->url, "git://[2606:4700::1111]/x.git");

  const auto local = pin_clone_target("http://0x7f000001:9/x.git", true);
  ASSERT_TRUE(local);
  EXPECT_EQ(local->url, "http://127.0.0.1:9/x.git");
}

TEST(CloneTarget, ANameThatDoesNotResolveGetsTheOneNetworkMessage)
{
  const auto target = pin_clone_target("https://nothing.invalid/x.git", false);
  ASSERT_FALSE(target);
  EXPECT_EQ(target.error().kind, Kind::repository_not_found);
  EXPECT_EQ(target.error().message, k_unreachable_repository);
}

TEST(CloneTarget, GitConnectsToThePinnedAddress)
{
  // The name does not resolve anywhere: only the pin can make git reach the server.
  CannedServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  const std::string port = std::to_string(server.port());
  const auto output = testing::run({ "sh",
                                     "-c",
                                     "HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1 git -c "
                                     "http.curloptResolve=pinned.invalid:" +
                                       port + ":127.0.0.1 ls-remote http://pinned.invalid:" + port +
                                       "/x.git 2>&1 || true" });
  EXPECT_EQ(server.connections(), 1);
}

TEST(CloneTarget, RefusedConnectionsAndMissingRepositoriesLookTheSame)
{
  CannedServer not_git("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  CannedServer target("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  CannedServer redirect(
    "HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1:" + std::to_string(target.port()) +
    "/x.git/info/refs?service=git-upload-pack\r\n"
    "Content-Length: 0\r\n\r\n");
  const std::string urls[] = {
    "http://127.0.0.1:" + std::to_string(closed_port()) + "/x.git",
    "http://127.0.0.1:" + std::to_string(not_git.port()) + "/x.git",
    "http://127.0.0.1:" + std::to_string(redirect.port()) + "/x.git",
  };
  for (const auto& url : urls) {
    TempDir work;
    std::vector<std::string> log;
    const auto cloned = clone(work, url, &log);
    ASSERT_FALSE(cloned) << url;
    EXPECT_EQ(cloned.error().kind, Kind::repository_not_found) << url;
    EXPECT_EQ(cloned.error().message, k_unreachable_repository) << url;
    for (const auto& line : log) {
      EXPECT_EQ(line.find("onnect"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(redirect.connections(), 1);
  EXPECT_EQ(target.connections(), 0); // the redirect was not followed
}

} // namespace reactor::builder
