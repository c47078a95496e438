// Range, Accept-Encoding and If-Modified-Since values as the edge reads them. The first
// line is the file's size in decimal, the rest the header value.
#include "reactor/net/negotiation.hpp"

#include "split_input.hpp"
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor;
  const auto [size_line, value] =
    reactor::fuzz::split_first_line({ reinterpret_cast<const char*>(data), size });
  std::uint64_t file_size = 1000;
  std::from_chars(size_line.data(), size_line.data() + size_line.size(), file_size);

  bool unsatisfiable = false;
  if (const auto range = net::parse_range(value, file_size, unsatisfiable)) {
    if (unsatisfiable || range->first > range->last || range->last >= file_size) {
      std::abort();
    }
  }

  for (const bool has_gzip : { false, true }) {
    for (const bool has_br : { false, true }) {
      const net::Encoding encoding = net::choose_encoding(value, has_gzip, has_br);
      if ((encoding == net::Encoding::gzip && !has_gzip) ||
          (encoding == net::Encoding::br && !has_br)) {
        std::abort();
      }
    }
  }

  if (const auto seconds = net::parse_http_date(value)) {
    net::http_date(*seconds);
  }
  return 0;
}
