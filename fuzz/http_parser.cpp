// The request-head parser, fed the bytes as a connection reads them.
#include "reactor/net/http_parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

// True when `part` views bytes of `whole` (or is empty).
bool
inside(std::string_view part, std::string_view whole)
{
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::net;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  RequestHead head;
  if (parse_request_head(input, head) != ParseResult::complete) {
    return 0;
  }
  // The head lies within the input, and every view within the head.
  const std::string_view bytes = input.substr(0, head.length);
  if (head.length == 0 || head.length > size || head.header_count > k_max_headers ||
      !inside(head.method, bytes) || head.method.empty() || !inside(head.target, bytes) ||
      head.target.empty()) {
    std::abort();
  }
  for (const Header& header : head.headers()) {
    if (!inside(header.name, bytes) || !inside(header.value, bytes) || header.name.empty()) {
      std::abort();
    }
  }
  // What a session asks of the head next: the framing, then the path.
  const auto framing = check_framing(head);
  if (framing && framing->kind == BodyFraming::Kind::chunked &&
      (head.minor_version != 1 ||
       !header_has_token(find_header(head.headers(), "transfer-encoding"), "chunked"))) {
    std::abort();
  }
  if (!framing && (framing.error().message.empty() ||
                   (framing.error().status != 400 && framing.error().status != 501))) {
    std::abort();
  }
  const std::string_view path = origin_form(head.target);
  if (path != "/" && !inside(path, head.target)) {
    std::abort();
  }
  header_has_token(find_header(head.headers(), "connection"), "close");
  return 0;
}
