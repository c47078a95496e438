#pragma once

// Internal to net/: what both WebSocket sessions (plain and TLS) do with client frames.

#include "reactor/net/router.hpp"
#include "reactor/net/websocket_frame.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace reactor::net {

// Control frames (pongs) queued for a client that does not read them, at most.
constexpr std::size_t k_max_pending_control = 64 * 1024;

// Consumes whole client frames from `bytes` until `closing()` says the connection is
// closing: text goes to `peer`; pings, closes and protocol failures are answered through
// `send_control(frame, then_close)`, which queues onto `control`. Returns how many bytes
// it used (all of them once closing: the rest is ignored).
template<typename Closing, typename SendControl>
std::size_t
read_client_frames(std::span<char> bytes,
                   websocket::FrameReader& reader,
                   WebSocketPeer& peer,
                   const std::string& control,
                   Closing closing,
                   SendControl send_control)
{
  using Kind = websocket::Incoming::Kind;
  std::size_t used = 0;
  while (!closing()) {
    const auto incoming = reader.next(bytes.subspan(used));
    switch (incoming.kind) {
      case Kind::need_more:
        return used;
      case Kind::fragment:
      case Kind::pong:
        break;
      case Kind::text:
        peer.on_message(incoming.payload);
        break;
      case Kind::ping:
        // A client that pings without reading our pongs would grow the queue without
        // bound; once closing, reading stops and it is dropped if it stays silent.
        if (control.size() >= k_max_pending_control) {
          send_control(websocket::encode_close(websocket::close_code::policy_violation,
                                               "too many pings left unread"),
                       true);
          return bytes.size();
        }
        send_control(websocket::encode_frame(websocket::Opcode::pong, incoming.payload), false);
        break;
      case Kind::close:
        send_control(incoming.code == websocket::close_code::no_status
                       ? websocket::encode_frame(websocket::Opcode::close, {})
                       : websocket::encode_close(incoming.code, {}),
                     true);
        break;
      case Kind::fail:
        send_control(websocket::encode_close(incoming.code, incoming.payload), true);
        return bytes.size();
    }
    used += incoming.consumed;
  }
  return bytes.size();
}

} // namespace reactor::net
