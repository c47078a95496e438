#include "reactor/net/http2_response.hpp"

#include "reactor/util/text.hpp"

#include <algorithm>
#include <array>

namespace reactor::net {

namespace {

constexpr std::array<std::string_view, 6> k_left_out{ "connection",       "keep-alive",
                                                      "proxy-connection", "transfer-encoding",
                                                      "upgrade",          "content-length" };

void
append_field(std::string_view name, std::string_view value, std::vector<Http2Field>& out)
{
  const bool left_out = std::ranges::any_of(
    k_left_out, [&](std::string_view other) { return util::equals_ignoring_case(name, other); });
  if (!left_out) {
    out.push_back({ name, value });
  }
}

// Each "Name: value" line of `lines` (every line ending in CRLF).
void
append_lines(std::string_view lines, std::vector<Http2Field>& out)
{
  while (!lines.empty()) {
    const auto end = lines.find("\r\n");
    const std::string_view line = lines.substr(0, end);
    lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    append_field(line.substr(0, colon), util::trim(line.substr(colon + 1)), out);
  }
}

} // namespace

void
append_http2_fields(const Response& response,
                    std::string_view extra_headers,
                    std::vector<Http2Field>& out)
{
  if (response.prepared_head) {
    const std::string_view head = *response.prepared_head;
    const auto status_end = head.find("\r\n");
    append_lines(
      status_end == std::string_view::npos ? std::string_view{} : head.substr(status_end + 2), out);
  } else {
    for (const auto& [name, value] : response.headers) {
      append_field(name, value, out);
    }
  }
  append_lines(extra_headers, out);
}

} // namespace reactor::net
