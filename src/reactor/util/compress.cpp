#include "reactor/util/compress.hpp"

#include <brotli/encode.h>
#include <cstdint>
#include <zlib.h>

namespace reactor::util {

std::optional<std::string>
gzip(std::string_view data)
{
  z_stream stream{};
  // 15 window bits + 16 asks zlib for a gzip header and trailer.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return std::nullopt;
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string>
brotli(std::string_view data)
{
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  if (size == 0) {
    return std::nullopt;
  }
  std::string out(size, '\0');
  if (BrotliEncoderCompress(BROTLI_MAX_QUALITY,
                            BROTLI_DEFAULT_WINDOW,
                            BROTLI_MODE_TEXT,
                            data.size(),
                            reinterpret_cast<const std::uint8_t*>(data.data()),
                            &size,
                            reinterpret_cast<std::uint8_t*>(out.data())) != BROTLI_TRUE) {
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

} // namespace reactor::util
