// The WebSocket frame reader, fed a client's bytes as one read: frames are read until it
// needs more or fails, as the session does.
#include "reactor/net/websocket_frame.hpp"

#include "reactor/util/text.hpp"

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::net::websocket;
  // A small message limit, so fragments reach it.
  constexpr std::size_t k_max_message = 4096;
  std::vector<char> bytes(data, data + size); // the reader unmasks in place
  FrameReader reader(k_max_message);
  std::span<char> rest(bytes);
  for (;;) {
    const Incoming incoming = reader.next(rest);
    if (incoming.kind == Incoming::Kind::need_more || incoming.kind == Incoming::Kind::fail) {
      break;
    }
    if (incoming.consumed == 0 || incoming.consumed > rest.size()) {
      std::abort();
    }
    if (incoming.kind == Incoming::Kind::text &&
        (incoming.payload.size() > k_max_message ||
         !reactor::util::is_valid_utf8(incoming.payload))) {
      std::abort();
    }
    if (incoming.kind == Incoming::Kind::close) {
      // The server's answer: the code back, the reason cut to fit a control frame.
      if (encode_close(incoming.code, incoming.payload).size() > 2 + 125) {
        std::abort();
      }
      break;
    }
    rest = rest.subspan(incoming.consumed);
  }
  return 0;
}
