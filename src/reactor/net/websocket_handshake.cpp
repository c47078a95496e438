#include "reactor/net/websocket_handshake.hpp"

#include "reactor/util/text.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>

namespace reactor::net::websocket {

namespace {

constexpr std::string_view k_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// A Sec-WebSocket-Key is 16 random bytes in base64: 22 characters and "==".
bool
is_valid_key(std::string_view key)
{
  constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (key.size() != 24 || !key.ends_with("==")) {
    return false;
  }
  return key.substr(0, 22).find_first_not_of(k_alphabet) == std::string_view::npos;
}

Response
refusal(unsigned status, std::string_view message)
{
  Response response = json_error(status, message);
  if (status == 426) {
    response.headers.emplace_back("Sec-WebSocket-Version", "13");
  }
  return response;
}

} // namespace

bool
is_upgrade(const RequestHead& head)
{
  return head.method == "GET" &&
         header_has_token(find_header(head.headers(), "connection"), "upgrade") &&
         util::equals_ignoring_case(find_header(head.headers(), "upgrade"), "websocket");
}

std::expected<std::string, Response>
accept_upgrade(const RequestHead& head)
{
  if (head.minor_version < 1) {
    return std::unexpected(refusal(400, "WebSocket needs HTTP/1.1"));
  }
  if (util::trim(find_header(head.headers(), "sec-websocket-version")) != "13") {
    return std::unexpected(refusal(426, "Only WebSocket version 13 is supported"));
  }
  const std::string_view key = util::trim(find_header(head.headers(), "sec-websocket-key"));
  if (!is_valid_key(key)) {
    return std::unexpected(refusal(400, "Missing or malformed Sec-WebSocket-Key"));
  }
  std::string response = "HTTP/1.1 101 Switching Protocols\r\n"
                         "Upgrade: websocket\r\n"
                         "Connection: Upgrade\r\n"
                         "Sec-WebSocket-Accept: ";
  response += accept_key(key);
  response += "\r\n\r\n";
  return response;
}

std::string
accept_key(std::string_view key)
{
  std::string input(key);
  input += k_guid;
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> encoded{};
  const int length = EVP_EncodeBlock(encoded.data(), digest.data(), SHA_DIGEST_LENGTH);
  return { reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(length) };
}

} // namespace reactor::net::websocket
