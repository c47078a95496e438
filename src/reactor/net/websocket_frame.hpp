#pragma once

// WebSocket framing (RFC 6455 section 5), server side: client frames in, server frames
// out. Text messages only; no extensions are negotiated, so the reserved bits are zero.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace reactor::net::websocket {

enum class Opcode : std::uint8_t
{
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA
};

// Close codes (RFC 6455 section 7.4.1).
namespace close_code {
constexpr std::uint16_t normal = 1000;
constexpr std::uint16_t going_away = 1001;
constexpr std::uint16_t protocol_error = 1002;
constexpr std::uint16_t unsupported_data = 1003;
constexpr std::uint16_t no_status = 1005; // never sent: a close frame without a code
constexpr std::uint16_t invalid_payload = 1007;
constexpr std::uint16_t policy_violation = 1008;
constexpr std::uint16_t too_big = 1009;
} // namespace close_code

// What the next bytes from a client amount to.
struct Incoming
{
  enum class Kind
  {
    need_more, // no whole frame yet: read more and call again with the same bytes first
    fragment,  // a frame of a fragmented message, kept until its last one
    text,      // a whole text message
    ping,
    pong,
    close, // the client closes: `code` is its code (1005 when it gave none)
    fail   // a protocol violation: close with `code`, `payload` says why
  };
  Kind kind = Kind::need_more;
  std::string_view
    payload; // text, ping/pong data, close reason or failure; valid until the next call
  std::uint16_t code = 0;
  std::size_t consumed = 0; // bytes of the input this frame took
};

// Reads client frames and reassembles fragmented messages. Holds no buffer except while
// a fragmented message is incomplete.
class FrameReader
{
public:
  explicit FrameReader(std::size_t max_message);

  // Reads one frame from the start of `bytes`, unmasking it in place. After `fail` the
  // connection must close; the reader's state is then meaningless.
  Incoming next(std::span<char> bytes);

private:
  std::size_t m_max_message;
  std::string m_fragments; // the message so far, while fragmented
  bool m_in_message = false;
  bool m_release_fragments = false; // the last call delivered m_fragments
};

constexpr std::size_t k_max_header = 10; // a server frame's header: no mask

// Writes the header of an unfragmented, unmasked server frame carrying `size` bytes;
// returns its length (2, 4 or 10).
std::size_t encode_header(Opcode opcode, std::uint64_t size, std::span<char, k_max_header> out);

// The length of that header.
constexpr std::size_t
header_size(std::uint64_t size)
{
  return size < 126 ? 2 : size <= 0xFFFF ? 4 : 10;
}

// A whole server frame (header and payload), for control frames and tests.
std::string encode_frame(Opcode opcode, std::string_view payload);

// A close frame: the code, then the reason (at most 123 bytes; longer is cut).
std::string encode_close(std::uint16_t code, std::string_view reason);

} // namespace reactor::net::websocket
