#include "reactor/net/outbox.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reactor::net {
namespace {

// What the fake transport's socket received through direct writes, and how much of the
// next frame it takes (everything by default).
struct FakeSocket
{
  std::vector<std::string> frames;
  std::size_t accept_bytes = SIZE_MAX;
};

FakeSocket* g_socket = nullptr;

bool
fake_direct_write(int /*fd*/, const std::string& message, std::size_t& sent)
{
  sent = std::min(message.size(), g_socket->accept_bytes);
  g_socket->frames.push_back(message.substr(0, sent));
  return sent == message.size();
}

class CountingReader final : public Outbox::Reader
{
public:
  void on_outbox_ready() override { ++told; }
  int told = 0;
};

class OutboxDirect : public testing::Test
{
protected:
  OutboxDirect()
  {
    g_socket = &m_socket;
    m_outbox.attach(m_context.get_executor(), m_reader);
    m_outbox.allow_direct_writes(3, &fake_direct_write);
  }
  ~OutboxDirect() override { g_socket = nullptr; }

  static Outbox::Message message(std::string text)
  {
    return std::make_shared<const std::string>(std::move(text));
  }

  // The transport finds nothing queued and becomes idle.
  void go_idle()
  {
    std::vector<Outbox::Message> taken;
    ASSERT_TRUE(m_outbox.take(taken));
    ASSERT_TRUE(taken.empty());
  }

  FakeSocket m_socket;
  boost::asio::io_context m_context;
  std::shared_ptr<CountingReader> m_reader = std::make_shared<CountingReader>();
  Outbox m_outbox{ 8 };
};

TEST_F(OutboxDirect, AnIdleTransportGetsTheMessageWrittenByTheProducer)
{
  go_idle();
  ASSERT_TRUE(m_outbox.send(message("one")));
  ASSERT_TRUE(m_outbox.send(message("two")));
  m_context.poll();
  EXPECT_EQ(m_socket.frames, (std::vector<std::string>{ "one", "two" }));
  EXPECT_EQ(m_reader->told, 0) << "no wake-up when the producer wrote it";
  std::vector<Outbox::Message> taken;
  EXPECT_TRUE(m_outbox.take(taken));
  EXPECT_TRUE(taken.empty());
}

TEST_F(OutboxDirect, AHalfWrittenMessageIsQueuedWithWhatWentOutAndWakesTheTransport)
{
  go_idle();
  m_socket.accept_bytes = 2;
  ASSERT_TRUE(m_outbox.send(message("hello")));
  ASSERT_TRUE(m_outbox.send(message("next")));
  m_context.poll();
  EXPECT_EQ(m_socket.frames, (std::vector<std::string>{ "he" })) << "then the transport writes";
  EXPECT_EQ(m_reader->told, 1);
  std::vector<Outbox::Message> taken;
  std::size_t first_sent = 0;
  EXPECT_TRUE(m_outbox.take(taken, &first_sent));
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(*taken[0], "hello");
  EXPECT_EQ(first_sent, 2u);
  EXPECT_EQ(*taken[1], "next");
}

TEST_F(OutboxDirect, AClaimingTransportMakesProducersQueue)
{
  go_idle();
  std::vector<Outbox::Message> taken;
  std::size_t first_sent = 0;
  ASSERT_TRUE(m_outbox.claim(taken, &first_sent));
  ASSERT_TRUE(m_outbox.send(message("queued")));
  m_context.poll();
  EXPECT_TRUE(m_socket.frames.empty()) << "the transport is writing a control frame";
  EXPECT_EQ(m_reader->told, 0) << "it takes what is queued when it is done";
  EXPECT_TRUE(m_outbox.take(taken, &first_sent));
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(first_sent, 0u);
}

TEST_F(OutboxDirect, NothingIsWrittenAfterClose)
{
  go_idle();
  m_outbox.close();
  EXPECT_FALSE(m_outbox.send(message("late")));
  EXPECT_TRUE(m_socket.frames.empty());
}

TEST_F(OutboxDirect, ABusyTransportIsNotWrittenTo)
{
  ASSERT_TRUE(m_outbox.send(message("before idle"))); // the transport has not taken yet
  EXPECT_TRUE(m_socket.frames.empty());
  std::vector<Outbox::Message> taken;
  EXPECT_TRUE(m_outbox.take(taken));
  EXPECT_EQ(taken.size(), 1u);
}

} // namespace
} // namespace reactor::net
