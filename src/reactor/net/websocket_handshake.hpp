#pragma once

// The server side of the WebSocket opening handshake (RFC 6455 section 4.2).

#include "reactor/net/http_message.hpp"
#include "reactor/net/http_parser.hpp"

#include <expected>
#include <string>
#include <string_view>

namespace reactor::net::websocket {

// True when the request asks to switch to WebSocket (GET with Upgrade: websocket and
// Connection: upgrade); whether it may is for accept_upgrade.
bool is_upgrade(const RequestHead& head);

// The 101 response for a valid upgrade request, or the error response that refuses it
// (400 for a missing or malformed Sec-WebSocket-Key, 426 naming version 13 for another
// version). No subprotocol or extension is selected.
std::expected<std::string, Response> accept_upgrade(const RequestHead& head);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)).
std::string accept_key(std::string_view key);

} // namespace reactor::net::websocket
