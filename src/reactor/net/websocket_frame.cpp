#include "reactor/net/websocket_frame.hpp"

#include "reactor/util/text.hpp"

namespace reactor::net::websocket {

namespace {

constexpr std::size_t k_max_control_payload = 125;

Incoming
failure(std::uint16_t code, std::string_view why)
{
  return Incoming{ Incoming::Kind::fail, why, code, 0 };
}

bool
is_control(std::uint8_t opcode)
{
  return (opcode & 0x8) != 0;
}

// Codes a peer may send (RFC 6455 7.4.1 and 7.4.2); 1005, 1006 and 1015 are never sent.
bool
is_valid_close_code(std::uint16_t code)
{
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

std::uint64_t
read_big_endian(std::span<const char> bytes)
{
  std::uint64_t value = 0;
  for (const char byte : bytes) {
    value = (value << 8) | static_cast<std::uint8_t>(byte);
  }
  return value;
}

void
unmask(std::span<char> payload, std::span<const char, 4> key)
{
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<char>(payload[i] ^ key[i % 4]);
  }
}

Incoming
read_close(std::string_view payload, std::size_t consumed)
{
  if (payload.empty()) {
    return Incoming{ Incoming::Kind::close, {}, close_code::no_status, consumed };
  }
  if (payload.size() == 1) {
    return failure(close_code::protocol_error, "close frame with a one-byte payload");
  }
  const auto code = static_cast<std::uint16_t>(read_big_endian(payload.substr(0, 2)));
  if (!is_valid_close_code(code)) {
    return failure(close_code::protocol_error, "invalid close code");
  }
  const std::string_view reason = payload.substr(2);
  if (!util::is_valid_utf8(reason)) {
    return failure(close_code::invalid_payload, "close reason is not UTF-8");
  }
  return Incoming{ Incoming::Kind::close, reason, code, consumed };
}

} // namespace

FrameReader::FrameReader(std::size_t max_message)
  : m_max_message(max_message)
{
}

Incoming
FrameReader::next(std::span<char> bytes)
{
  if (m_release_fragments) {
    std::string().swap(m_fragments);
    m_release_fragments = false;
  }
  if (bytes.size() < 2) {
    return {};
  }
  const auto first = static_cast<std::uint8_t>(bytes[0]);
  const auto second = static_cast<std::uint8_t>(bytes[1]);
  const bool fin = (first & 0x80) != 0;
  const std::uint8_t opcode = first & 0x0F;
  if ((first & 0x70) != 0) {
    return failure(close_code::protocol_error, "reserved bits set without an extension");
  }
  if ((second & 0x80) == 0) {
    return failure(close_code::protocol_error, "client frames must be masked");
  }
  const bool known = opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
  if (!known) {
    return failure(close_code::protocol_error, "unknown opcode");
  }
  const std::uint8_t short_length = second & 0x7F;
  const std::size_t length_bytes = short_length == 126 ? 2 : short_length == 127 ? 8 : 0;
  const std::size_t header_size = 2 + length_bytes + 4;
  if (bytes.size() < header_size) {
    return {};
  }
  const std::uint64_t length =
    length_bytes == 0 ? short_length : read_big_endian(bytes.subspan(2, length_bytes));
  if (length >> 63 != 0) {
    return failure(close_code::protocol_error, "frame length with its top bit set");
  }
  if (is_control(opcode) && (!fin || length > k_max_control_payload)) {
    return failure(close_code::protocol_error, "control frames must be whole and short");
  }
  if (!is_control(opcode)) {
    if (opcode == static_cast<std::uint8_t>(Opcode::binary)) {
      return failure(close_code::unsupported_data, "only text messages are accepted");
    }
    if ((opcode == static_cast<std::uint8_t>(Opcode::continuation)) != m_in_message) {
      return failure(close_code::protocol_error,
                     m_in_message ? "a new message inside a fragmented one"
                                  : "continuation frame without a message");
    }
    if (length > m_max_message - m_fragments.size()) {
      return failure(close_code::too_big, "message too big");
    }
  }
  if (bytes.size() - header_size < length) {
    return {};
  }
  const auto consumed = header_size + static_cast<std::size_t>(length);
  const auto payload = bytes.subspan(header_size, static_cast<std::size_t>(length));
  unmask(payload, bytes.subspan(2 + length_bytes).first<4>());
  const std::string_view text(payload.data(), payload.size());

  switch (static_cast<Opcode>(opcode)) {
    case Opcode::ping:
      return Incoming{ Incoming::Kind::ping, text, 0, consumed };
    case Opcode::pong:
      return Incoming{ Incoming::Kind::pong, text, 0, consumed };
    case Opcode::close:
      return read_close(text, consumed);
    case Opcode::text:
      if (!fin) {
        m_fragments.assign(text);
        m_in_message = true;
        return Incoming{ Incoming::Kind::fragment, {}, 0, consumed };
      }
      if (!util::is_valid_utf8(text)) {
        return failure(close_code::invalid_payload, "text message is not UTF-8");
      }
      return Incoming{ Incoming::Kind::text, text, 0, consumed };
    case Opcode::continuation:
      m_fragments.append(text);
      if (!fin) {
        return Incoming{ Incoming::Kind::fragment, {}, 0, consumed };
      }
      m_in_message = false;
      m_release_fragments = true;
      if (!util::is_valid_utf8(m_fragments)) {
        return failure(close_code::invalid_payload, "text message is not UTF-8");
      }
      return Incoming{ Incoming::Kind::text, m_fragments, 0, consumed };
    case Opcode::binary:
      break;
  }
  return failure(close_code::protocol_error, "unknown opcode");
}

std::size_t
encode_header(Opcode opcode, std::uint64_t size, std::span<char, k_max_header> out)
{
  out[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  std::size_t length_bytes = 0;
  if (size < 126) {
    out[1] = static_cast<char>(size);
  } else if (size <= 0xFFFF) {
    out[1] = 126;
    length_bytes = 2;
  } else {
    out[1] = 127;
    length_bytes = 8;
  }
  for (std::size_t i = 0; i < length_bytes; ++i) {
    out[2 + i] = static_cast<char>((size >> (8 * (length_bytes - 1 - i))) & 0xFF);
  }
  return 2 + length_bytes;
}

std::string
encode_frame(Opcode opcode, std::string_view payload)
{
  std::array<char, k_max_header> header{};
  const std::size_t header_size = encode_header(opcode, payload.size(), header);
  std::string frame(header.data(), header_size);
  frame += payload;
  return frame;
}

std::string
encode_close(std::uint16_t code, std::string_view reason)
{
  std::string payload{ static_cast<char>(code >> 8), static_cast<char>(code & 0xFF) };
  payload += reason.substr(0, k_max_control_payload - 2);
  return encode_frame(Opcode::close, payload);
}

} // namespace reactor::net::websocket
