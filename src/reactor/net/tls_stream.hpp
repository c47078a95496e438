#pragma once

// A server-side TLS connection in which OpenSSL reads and writes the socket itself
// (SSL_set_fd), as nginx does: the stream only waits for readiness when OpenSSL asks for
// it. Asio's ssl::stream instead keeps two 17 KiB record buffers and a BIO pair with two
// more per connection, and copies every byte once more each way; here an idle
// connection holds only OpenSSL's own state, which gives its buffers back when idle.
//
// It is an AsyncReadStream and AsyncWriteStream (asio::async_write works on it), and has
// the deadline calls of beast::tcp_stream, so the same session code serves both.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <span>

using SSL = struct ssl_st;

namespace reactor::net {

class TlsStream
{
public:
  using executor_type = boost::asio::any_io_executor;

  // Takes the accepted socket; the handshake is the first thing to run on it. `context`
  // must outlive the stream.
  TlsStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& context);

  executor_type get_executor() { return m_state->socket.get_executor(); }
  SSL* native_handle() { return m_state->ssl; }
  boost::asio::ip::tcp::socket& socket() { return m_state->socket; }

  // As beast::tcp_stream's: operations pending or started after the deadline fail with
  // timed_out. A deadline that passes while nothing waits fails the next operation.
  // Setting one costs no timer operation unless it comes sooner than the one the timer
  // is set for: a busy connection moves its deadline with each request for free.
  void expires_after(std::chrono::steady_clock::duration timeout);
  void expires_never();
  // Pending operations end with operation_aborted.
  void cancel();
  // Sends close_notify when the connection is in a state to, then closes the socket.
  void close();

  template<typename Token>
  auto async_handshake(Token&& token)
  {
    return start([](State& state) { return state.handshake(); }, std::forward<Token>(token));
  }

  template<typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token)
  {
    const boost::asio::mutable_buffer first = first_nonempty(buffers);
    const std::span<char> into(static_cast<char*>(first.data()), first.size());
    return start([into](State& state) { return state.read(into); }, std::forward<Token>(token));
  }

  // Completes when a read would find data (OpenSSL may hold some already), so that an
  // idle connection needs no buffer of its own while it waits.
  template<typename Token>
  auto async_wait_readable(Token&& token)
  {
    return start([asked = false](State& state) mutable { return state.readable(asked); },
                 std::forward<Token>(token));
  }

  // Writes at most one flattened run of the buffers: gathered small buffers (a response
  // head and its body) go out as one TLS record, not one record each.
  template<typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token)
  {
    return start([buffers](State& state) { return state.write(flatten(buffers)); },
                 std::forward<Token>(token));
  }

private:
  enum class Want
  {
    nothing,
    readable,
    writable
  };
  // What one call into OpenSSL came to: done (with an error or a count), or a wait.
  struct Step
  {
    Want want = Want::nothing;
    boost::system::error_code error;
    std::size_t bytes = 0;
  };

  struct State : std::enable_shared_from_this<State>
  {
    State(boost::asio::ip::tcp::socket accepted, SSL* connection);
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State();

    Step handshake();
    Step read(std::span<char> into);
    Step write(std::span<const char> bytes);
    // Asks to wait for the socket once (setting `asked`), unless OpenSSL holds data.
    Step readable(bool& asked);
    // The error an operation ends with after its wait failed (a timeout shows as such).
    boost::system::error_code failure(boost::system::error_code waited) const;
    // Sets the timer for `deadline`; when it fires, a deadline moved later sets it again.
    void watch_deadline();
    // Runs `call` (OpenSSL's answer, 1 for done, setting the bytes it moved) on a socket
    // still ours, from a clean error queue.
    template<typename Call>
    Step call_openssl(Call call);
    // What OpenSSL's answer `result` to a call on `ssl` means for the operation.
    static Step classify(SSL* ssl, int result);

    boost::asio::ip::tcp::socket socket;
    SSL* ssl;
    boost::asio::steady_timer timer;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    // When the timer fires next; max while it is not set.
    std::chrono::steady_clock::time_point timer_at = std::chrono::steady_clock::time_point::max();
    bool expired = false;
  };

  // One operation: calls into OpenSSL through `attempt` until it is done, waiting for
  // the readiness OpenSSL asks for in between.
  template<typename Attempt>
  struct Operation
  {
    std::shared_ptr<State> state;
    Attempt attempt;
    bool waited = false;
    std::optional<Step> finished;

    template<typename Self>
    void operator()(Self& self, boost::system::error_code wait_error = {})
    {
      if (finished) {
        self.complete(finished->error, finished->bytes);
        return;
      }
      if (wait_error) {
        self.complete(state->failure(wait_error), 0);
        return;
      }
      const Step step = attempt(*state);
      if (step.want == Want::nothing && waited) {
        self.complete(step.error, step.bytes);
      } else if (step.want == Want::nothing) {
        // Never completed inside the initiating call, as Asio's own operations are not.
        finished = step;
        boost::asio::post(state->socket.get_executor(), std::move(self));
      } else {
        waited = true;
        state->socket.async_wait(step.want == Want::readable
                                   ? boost::asio::ip::tcp::socket::wait_read
                                   : boost::asio::ip::tcp::socket::wait_write,
                                 std::move(self));
      }
    }
  };

  template<typename Attempt, typename Token>
  auto start(Attempt attempt, Token&& token)
  {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
      Operation<Attempt>{ m_state, std::move(attempt) }, token, m_state->socket);
  }

  template<typename MutableBuffers>
  static boost::asio::mutable_buffer first_nonempty(const MutableBuffers& buffers)
  {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers);
         ++it) {
      if (boost::asio::mutable_buffer buffer(*it); buffer.size() > 0) {
        return buffer;
      }
    }
    return {};
  }

  // The bytes the next write takes: the first buffer alone when it is large or the only
  // one, else as many of the buffers as fit one record, copied into a scratch area that
  // the thread shares (a retried write copies the same bytes again).
  template<typename ConstBuffers>
  static std::span<const char> flatten(const ConstBuffers& buffers)
  {
    const std::span<char> scratch = flat_scratch();
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    while (it != end && boost::asio::const_buffer(*it).size() == 0) {
      ++it;
    }
    if (it == end) {
      return {};
    }
    const boost::asio::const_buffer first(*it);
    auto next = std::next(it);
    while (next != end && boost::asio::const_buffer(*next).size() == 0) {
      ++next;
    }
    if (next == end || first.size() >= scratch.size()) {
      return { static_cast<const char*>(first.data()), first.size() };
    }
    std::size_t used = 0;
    for (; it != end && used < scratch.size(); ++it) {
      const boost::asio::const_buffer buffer(*it);
      used += boost::asio::buffer_copy(
        boost::asio::buffer(scratch.data() + used, scratch.size() - used), buffer);
    }
    return { scratch.data(), used };
  }
  static std::span<char> flat_scratch();

  // Shared so that a deadline's handler can tell the stream is gone, and so that moving
  // the stream between sessions moves a pointer.
  std::shared_ptr<State> m_state;
};

} // namespace reactor::net
