#include "reactor/acme/key.hpp"
#include "reactor/net/tls_stream.hpp"
#include "reactor/tls/pem_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "support/self_signed.hpp"
#include <array>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <thread>

namespace reactor::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A TlsStream on one end of a loopback connection, and a blocking OpenSSL client on the
// other, run by a thread of its own.
class TlsStreamTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto key = acme::generate_key();
    ASSERT_TRUE(key);
    auto context =
      tls::make_pem_context(testing::self_signed(key->get(), "localhost"), acme::key_pem(**key));
    ASSERT_TRUE(context) << context.error().message;
    m_server_context.emplace(context->release());
    m_client_context = SSL_CTX_new(TLS_client_method());
  }

  void TearDown() override
  {
    if (m_client.joinable()) {
      m_client.join();
    }
    SSL_CTX_free(m_client_context);
  }

  // Accepts one connection and runs `serve` on its stream after the handshake, while
  // `client` runs on the connected client; returns once both are done.
  void run(std::function<asio::awaitable<void>(TlsStream&)> serve,
           const std::function<void(SSL*)>& client)
  {
    asio::ip::tcp::acceptor acceptor(m_io, { asio::ip::make_address("127.0.0.1"), 0 });
    const auto port = acceptor.local_endpoint().port();
    m_client = std::thread([this, port, client] {
      asio::io_context io;
      asio::ip::tcp::socket socket(io);
      socket.connect({ asio::ip::make_address("127.0.0.1"), port });
      SSL* ssl = SSL_new(m_client_context);
      SSL_set_fd(ssl, socket.native_handle());
      if (SSL_connect(ssl) == 1) {
        client(ssl);
      }
      SSL_free(ssl);
    });
    asio::co_spawn(
      m_io,
      [&]() -> asio::awaitable<void> {
        auto accepted = co_await acceptor.async_accept(asio::use_awaitable);
        TlsStream stream(std::move(accepted), *m_server_context);
        stream.expires_after(5s);
        auto [ec, unused] = co_await stream.async_handshake(asio::as_tuple(asio::use_awaitable));
        EXPECT_FALSE(ec) << ec.message();
        if (!ec) {
          co_await serve(stream);
        }
      },
      asio::detached);
    m_io.run();
    m_client.join();
  }

  static std::string read_all(SSL* ssl, std::size_t count)
  {
    std::string text(count, '\0');
    std::size_t done = 0;
    while (done < count) {
      std::size_t read = 0;
      if (SSL_read_ex(ssl, text.data() + done, count - done, &read) != 1) {
        break;
      }
      done += read;
    }
    text.resize(done);
    return text;
  }

  asio::io_context m_io;
  std::optional<asio::ssl::context> m_server_context;
  SSL_CTX* m_client_context = nullptr;
  std::thread m_client;
};

TEST_F(TlsStreamTest, ReadsWhatTheClientSentAndWritesGatheredBuffers)
{
  std::string received;
  std::string answered;
  run(
    [&](TlsStream& stream) -> asio::awaitable<void> {
      std::array<char, 64> buffer{};
      auto [ec, read] =
        co_await stream.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
      received.assign(buffer.data(), read);
      const std::array<asio::const_buffer, 4> parts{ asio::buffer("head ", 5),
                                                     asio::buffer("", 0),
                                                     asio::buffer("and ", 4),
                                                     asio::buffer("body", 4) };
      auto [written_ec, written] =
        co_await asio::async_write(stream, parts, asio::as_tuple(asio::use_awaitable));
      EXPECT_FALSE(written_ec);
      EXPECT_EQ(written, 13U);
    },
    [&](SSL* ssl) {
      SSL_write(ssl, "hello", 5);
      answered = read_all(ssl, 13);
    });
  EXPECT_EQ(received, "hello");
  EXPECT_EQ(answered, "head and body");
}

TEST_F(TlsStreamTest, WaitingForReadabilityConsumesNothing)
{
  std::string received;
  std::promise<void> waiting;
  run(
    [&](TlsStream& stream) -> asio::awaitable<void> {
      waiting.set_value();
      auto [ec, unused] = co_await stream.async_wait_readable(asio::as_tuple(asio::use_awaitable));
      EXPECT_FALSE(ec);
      std::array<char, 64> buffer{};
      auto [read_ec, read] =
        co_await stream.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
      received.assign(buffer.data(), read);
    },
    [&](SSL* ssl) {
      waiting.get_future().wait();
      std::this_thread::sleep_for(50ms);
      SSL_write(ssl, "late", 4);
      read_all(ssl, 1); // until the server closes
    });
  EXPECT_EQ(received, "late");
}

TEST_F(TlsStreamTest, ClosesAWholeConnectionWithCloseNotify)
{
  int error = 0;
  run(
    [&](TlsStream& stream) -> asio::awaitable<void> {
      co_await asio::async_write(
        stream, asio::buffer("ok", 2), asio::as_tuple(asio::use_awaitable));
      stream.close();
    },
    [&](SSL* ssl) {
      EXPECT_EQ(read_all(ssl, 2), "ok");
      std::array<char, 8> more{};
      std::size_t read = 0;
      error = SSL_get_error(ssl, SSL_read_ex(ssl, more.data(), more.size(), &read));
    });
  EXPECT_EQ(error, SSL_ERROR_ZERO_RETURN);
}

TEST_F(TlsStreamTest, SendsNoCloseNotifyOnceTheClientClosed)
{
  std::optional<ssize_t> after_close;
  run(
    [&](TlsStream& stream) -> asio::awaitable<void> {
      co_await asio::async_write(
        stream, asio::buffer("ok", 2), asio::as_tuple(asio::use_awaitable));
      std::array<char, 16> buffer{};
      auto [ec, read] =
        co_await stream.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
      EXPECT_EQ(ec, asio::error::eof);
      stream.close();
    },
    [&](SSL* ssl) {
      EXPECT_EQ(read_all(ssl, 2), "ok");    // the session tickets before it are read too
      ::shutdown(SSL_get_fd(ssl), SHUT_WR); // done, without a close_notify of its own
      std::array<char, 64> raw{};
      after_close = ::recv(SSL_get_fd(ssl), raw.data(), raw.size(), 0);
    });
  EXPECT_EQ(after_close, 0); // the server closed without writing a record
}

TEST_F(TlsStreamTest, AReadPastItsDeadlineEndsWithTimedOut)
{
  boost::system::error_code result;
  Clock::duration took{};
  run(
    [&](TlsStream& stream) -> asio::awaitable<void> {
      const auto started = Clock::now();
      stream.expires_after(100ms);
      std::array<char, 16> buffer{};
      auto [ec, read] =
        co_await stream.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
      result = ec;
      took = Clock::now() - started;
    },
    [&](SSL* ssl) { read_all(ssl, 1); });
  EXPECT_EQ(result, asio::error::timed_out);
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 3s);
}

TEST_F(TlsStreamTest, ADeadlineMovedLaterWaitsAndOneMovedSoonerComesSooner)
{
  boost::system::error_code later;
  boost::system::error_code sooner;
  Clock::duration took{};
  std::string received;
  run(
    [&](TlsStream& stream) -> asio::awaitable<void> {
      // Moved later: the timer set for 100 ms must not end a read the client answers at
      // 300 ms.
      stream.expires_after(100ms);
      stream.expires_after(10s);
      std::array<char, 16> buffer{};
      auto [ec, read] =
        co_await stream.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
      later = ec;
      received.assign(buffer.data(), read);
      // Moved sooner: 60 s, then 100 ms, ends the next read at 100 ms.
      const auto started = Clock::now();
      stream.expires_after(60s);
      stream.expires_after(100ms);
      auto [second_ec, second] =
        co_await stream.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
      sooner = second_ec;
      took = Clock::now() - started;
    },
    [&](SSL* ssl) {
      std::this_thread::sleep_for(300ms);
      SSL_write(ssl, "in time", 7);
      read_all(ssl, 1);
    });
  EXPECT_FALSE(later) << later.message();
  EXPECT_EQ(received, "in time");
  EXPECT_EQ(sooner, asio::error::timed_out);
  EXPECT_LT(took, 3s);
}

} // namespace
} // namespace reactor::net
