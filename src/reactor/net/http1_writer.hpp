#pragma once

// Internal to net/: writing one HTTP/1.1 response (its head, then a body from memory, from
// a file or streamed from an outbox as chunks). The templates are defined for
// boost::beast::tcp_stream and TlsStream.

#include "reactor/net/router.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string_view>

namespace reactor::net::http1 {

// How long a connection waits for the client: for its next request, and for each write.
constexpr auto k_idle_timeout = std::chrono::seconds(60);

// Writes head, Date, the listener's own headers, the connection line and the body (in
// one gathered write when the body is in memory); false when the client is gone.
template<typename Stream>
boost::asio::awaitable<bool> write_response(Stream& stream,
                                            const Response& response,
                                            std::string_view extra_headers,
                                            bool head_only,
                                            bool keep_alive);

// Sends the outbox of a response written with chunked framing, one chunk per message,
// until it closes; false when the client is gone.
template<typename Stream>
boost::asio::awaitable<bool> write_stream(Stream& stream, const Response& response);

} // namespace reactor::net::http1
