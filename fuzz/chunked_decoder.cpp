// The chunked body decoder. The first byte picks the body limit, so the fuzzer reaches
// `too_large` as well as small and unlimited bodies.
#include "reactor/net/http_parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::net;
  if (size == 0) {
    return 0;
  }
  const std::size_t max_size = data[0] == 0xFF ? SIZE_MAX : data[0] * 16u;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string body;
  std::size_t consumed = 0;
  const BodyResult result = decode_chunked(input, max_size, body, consumed);
  if (result == BodyResult::complete &&
      (consumed > input.size() || body.size() > max_size || body.size() > consumed)) {
    std::abort();
  }
  // Decoding is a function of the bytes: the same input decodes the same way again, and
  // the encoding alone (without what follows it) decodes to the same body.
  if (result == BodyResult::complete) {
    std::string again;
    std::size_t again_consumed = 0;
    if (decode_chunked(input.substr(0, consumed), max_size, again, again_consumed) !=
          BodyResult::complete ||
        again != body || again_consumed != consumed) {
      std::abort();
    }
  }
  return 0;
}
