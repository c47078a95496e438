#include "reactor/net/tls_stream.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <cerrno>
#include <new>

namespace reactor::net {

namespace asio = boost::asio;

namespace {

// One TLS record's worth of plaintext.
constexpr std::size_t k_flat_size = 16 * 1024;

SSL*
new_server_connection(asio::ssl::context& context)
{
  SSL* ssl = SSL_new(context.native_handle());
  if (ssl == nullptr) {
    throw std::bad_alloc(); // OpenSSL fails here only when memory runs out
  }
  // No partial writes: one SSL_write sends every record of what it is given while the
  // socket takes them, so a write batch is one operation (one completion), not one per
  // 16 KiB record; a write that must wait is retried with the same bytes, which may have
  // moved (the scratch of gathered buffers). The read buffer is filled as far as the
  // socket allows, not one record header at a time.
  SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  // A client that closes without close_notify (most do) is done, not an attack on a
  // request's framing: a plain end of the stream, with no fatal alert written back to a
  // peer that is gone (OpenSSL 3 would send decode_error), as nginx does.
  SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_set_read_ahead(ssl, 1);
  SSL_set_accept_state(ssl);
  return ssl;
}

} // namespace

TlsStream::State::State(asio::ip::tcp::socket accepted, SSL* connection)
  : socket(std::move(accepted))
  , ssl(connection)
  , timer(socket.get_executor())
{
}

TlsStream::State::~State()
{
  SSL_free(ssl); // the socket BIO does not own the descriptor: the socket closes it
}

TlsStream::TlsStream(asio::ip::tcp::socket socket, asio::ssl::context& context)
{
  socket.non_blocking(true);
  SSL* ssl = new_server_connection(context);
  SSL_set_fd(ssl, socket.native_handle());
  m_state = std::make_shared<State>(std::move(socket), ssl);
}

void
TlsStream::expires_after(std::chrono::steady_clock::duration timeout)
{
  State& state = *m_state;
  state.expired = false;
  state.deadline = std::chrono::steady_clock::now() + timeout;
  if (state.deadline < state.timer_at) {
    state.watch_deadline();
  }
}

void
TlsStream::expires_never()
{
  m_state->expired = false;
  m_state->deadline = std::chrono::steady_clock::time_point::max();
}

void
TlsStream::State::watch_deadline()
{
  timer_at = deadline;
  timer.expires_at(deadline);
  timer.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
    const auto state = weak.lock();
    if (error || !state) {
      return; // set again for a sooner deadline, or the stream is gone
    }
    state->timer_at = std::chrono::steady_clock::time_point::max();
    if (state->deadline == std::chrono::steady_clock::time_point::max()) {
      return;
    }
    if (std::chrono::steady_clock::now() < state->deadline) {
      state->watch_deadline();
      return;
    }
    state->expired = true;
    boost::system::error_code ignored;
    state->socket.cancel(ignored);
  });
}

void
TlsStream::cancel()
{
  boost::system::error_code ignored;
  m_state->socket.cancel(ignored);
}

void
TlsStream::close()
{
  if (!m_state->socket.is_open()) {
    return;
  }
  // No close_notify after a fatal error (OpenSSL is then back in its handshake state) nor
  // after the client's own end, its close_notify or, with SSL_OP_IGNORE_UNEXPECTED_EOF,
  // its FIN: it would not read one.
  const bool client_ended = (SSL_get_shutdown(m_state->ssl) & SSL_RECEIVED_SHUTDOWN) != 0;
  if (SSL_is_init_finished(m_state->ssl) == 1 && !client_ended) {
    ERR_clear_error();
    SSL_shutdown(m_state->ssl); // one try: a client that cannot take it does not hold us
    ERR_clear_error();
  }
  m_state->timer.cancel();
  boost::system::error_code ignored;
  m_state->socket.close(ignored);
}

std::span<char>
TlsStream::flat_scratch()
{
  thread_local std::array<char, k_flat_size> scratch{};
  return scratch;
}

TlsStream::Step
TlsStream::State::classify(SSL* ssl, int result)
{
  const int saved_errno = errno;
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ:
      return { Want::readable, {}, 0 };
    case SSL_ERROR_WANT_WRITE:
      return { Want::writable, {}, 0 };
    case SSL_ERROR_ZERO_RETURN:
      return { Want::nothing, asio::error::eof, 0 };
    case SSL_ERROR_SYSCALL:
      if (saved_errno != 0) {
        return { Want::nothing, { saved_errno, boost::system::system_category() }, 0 };
      }
      return { Want::nothing, asio::error::eof, 0 };
    default: {
      const auto code = static_cast<int>(ERR_get_error());
      ERR_clear_error();
      return { Want::nothing, { code, asio::error::get_ssl_category() }, 0 };
    }
  }
}

template<typename Call>
TlsStream::Step
TlsStream::State::call_openssl(Call call)
{
  // A closed socket's number may already belong to another connection: OpenSSL must not
  // touch it.
  if (expired || !socket.is_open()) {
    return { Want::nothing, failure(asio::error::operation_aborted), 0 };
  }
  ERR_clear_error();
  errno = 0;
  std::size_t bytes = 0;
  const int result = call(bytes);
  return result == 1 ? Step{ Want::nothing, {}, bytes } : classify(ssl, result);
}

TlsStream::Step
TlsStream::State::handshake()
{
  return call_openssl([this](std::size_t& /*bytes*/) { return SSL_do_handshake(ssl); });
}

TlsStream::Step
TlsStream::State::read(std::span<char> into)
{
  if (into.empty()) {
    return {};
  }
  return call_openssl(
    [&](std::size_t& read) { return SSL_read_ex(ssl, into.data(), into.size(), &read); });
}

TlsStream::Step
TlsStream::State::write(std::span<const char> bytes)
{
  if (bytes.empty()) {
    return {};
  }
  return call_openssl(
    [&](std::size_t& written) { return SSL_write_ex(ssl, bytes.data(), bytes.size(), &written); });
}

TlsStream::Step
TlsStream::State::readable(bool& asked)
{
  if (expired || !socket.is_open()) {
    return { Want::nothing, failure(asio::error::operation_aborted), 0 };
  }
  if (asked || SSL_has_pending(ssl) == 1) {
    return {};
  }
  asked = true;
  return { Want::readable, {}, 0 };
}

boost::system::error_code
TlsStream::State::failure(boost::system::error_code waited) const
{
  return expired ? asio::error::timed_out : waited;
}

} // namespace reactor::net
