#include "reactor/net/sessions.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace reactor::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t k_max_body = 64 * 1024;
constexpr std::uint32_t k_max_header = 16 * 1024;
constexpr auto k_idle_timeout = std::chrono::seconds(60);
constexpr auto k_stream_heartbeat = std::chrono::seconds(15);

// The Date header value, formatted at most once a second per thread.
std::string_view
http_date()
{
  thread_local std::time_t cached_second = 0;
  thread_local std::array<char, 64> cached{};
  thread_local std::size_t cached_size = 0;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm parts{};
    gmtime_r(&now, &parts);
    cached_size = std::strftime(cached.data(), cached.size(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
    cached_second = now;
  }
  return { cached.data(), cached_size };
}

std::string
render_head(const Response& response, std::size_t content_length, bool keep_alive)
{
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += http::obsolete_reason(static_cast<http::status>(response.status));
  head += "\r\nDate: ";
  head += http_date();
  if (response.stream) {
    head += "\r\nTransfer-Encoding: chunked";
  } else if (response.status != 304 && response.status != 204) {
    head += "\r\nContent-Length: ";
    head += std::to_string(content_length);
  }
  if (!keep_alive) {
    head += "\r\nConnection: close";
  }
  for (const auto& [name, value] : response.headers) {
    head += "\r\n";
    head += name;
    head += ": ";
    head += value;
  }
  head += "\r\n\r\n";
  return head;
}

Request
to_request(const http::request<http::string_body>& message, const beast::tcp_stream& stream)
{
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.host = std::string(request.header("host"));
  for (char& c : request.host) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  request.body = message.body();
  boost::system::error_code ec;
  const auto remote = stream.socket().remote_endpoint(ec);
  if (!ec) {
    request.remote_address = remote.address().to_string();
  }
  return request;
}

asio::awaitable<bool>
write_response(beast::tcp_stream& stream, const Response& response, bool head_only, bool keep_alive)
{
  const std::string_view payload = response.payload();
  const std::string head = render_head(response, payload.size(), keep_alive);
  const std::array buffers{ asio::buffer(head),
                            asio::buffer(payload.data(), head_only ? 0 : payload.size()) };
  stream.expires_after(k_idle_timeout);
  auto [ec, written] =
    co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

asio::awaitable<bool>
write_chunk(beast::tcp_stream& stream, std::string_view data)
{
  std::array<char, 20> size_line{};
  const int length = std::snprintf(size_line.data(), size_line.size(), "%zx\r\n", data.size());
  const std::array<asio::const_buffer, 3> buffers{ asio::buffer(size_line.data(),
                                                                static_cast<std::size_t>(length)),
                                                   asio::buffer(data.data(), data.size()),
                                                   asio::buffer("\r\n", 2) };
  stream.expires_after(k_idle_timeout);
  auto [ec, written] =
    co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

// Sends the outbox's messages as chunks until it closes; false when the client is gone.
asio::awaitable<bool>
write_stream(beast::tcp_stream& stream, const Response& response)
{
  auto wakeup = std::make_shared<asio::steady_timer>(stream.get_executor());
  response.stream->set_waker([executor = stream.get_executor(), weak = std::weak_ptr(wakeup)] {
    asio::post(executor, [weak] {
      if (auto timer = weak.lock()) {
        timer->cancel();
      }
    });
  });
  std::vector<Outbox::Message> batch;
  bool alive = true;
  while (alive) {
    batch.clear();
    if (!response.stream->take(batch)) {
      alive = co_await write_chunk(stream, {});
      break;
    }
    if (batch.empty()) {
      wakeup->expires_after(k_stream_heartbeat);
      auto [ec] = co_await wakeup->async_wait(asio::as_tuple(asio::use_awaitable));
      if (!ec && !response.heartbeat.empty()) {
        alive = co_await write_chunk(stream, response.heartbeat);
      }
      continue;
    }
    for (const auto& message : batch) {
      if (!(alive = co_await write_chunk(stream, *message))) {
        break;
      }
    }
  }
  response.stream->set_waker(nullptr);
  response.stream->close();
  co_return alive;
}

Response
plain_error(unsigned status, std::string_view text)
{
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.body = std::string(text) + "\n";
  return response;
}

} // namespace

asio::awaitable<void>
run_http_session(asio::ip::tcp::socket socket, Router& router)
{
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(k_max_header);
    parser.body_limit(k_max_body);
    stream.expires_after(k_idle_timeout);
    auto [ec, bytes] =
      co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec == http::error::body_limit) {
      co_await write_response(
        stream, plain_error(413, "Request body larger than 64 KiB"), false, false);
      co_return;
    }
    if (ec == http::error::header_limit) {
      co_await write_response(stream, plain_error(431, "Request headers too large"), false, false);
      co_return;
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      co_return;
    }
    if (ec) {
      co_await write_response(stream, plain_error(400, "Malformed HTTP request"), false, false);
      co_return;
    }
    auto message = parser.release();
    Request request = to_request(message, stream);

    if (beast::websocket::is_upgrade(message)) {
      auto outbox = std::make_shared<Outbox>(4096);
      auto peer = router.accept_websocket(request, outbox);
      if (!peer) {
        co_await write_response(
          stream, json_error(404, "No WebSocket endpoint here"), false, false);
        co_return;
      }
      co_await run_websocket_session(
        std::move(stream), std::move(message), std::move(peer), std::move(outbox));
      co_return;
    }

    const bool keep_alive = message.keep_alive();
    const Response response = co_await router.handle(std::move(request));
    const bool head_only = message.method() == http::verb::head;
    bool alive = co_await write_response(stream, response, head_only, keep_alive);
    if (response.stream) {
      alive = alive && co_await write_stream(stream, response);
      if (response.on_stream_end) {
        response.on_stream_end();
      }
    }
    if (!alive || !keep_alive) {
      co_return;
    }
  }
}

} // namespace reactor::net
