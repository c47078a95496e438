#include "reactor/edge/host.hpp"

namespace reactor::edge {

std::optional<std::string_view>
site_label(std::string_view host, std::string_view domain)
{
  if (const auto colon = host.rfind(':');
      colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host.ends_with('.')) {
    host.remove_suffix(1);
  }
  if (host.size() <= domain.size() + 1 || !host.ends_with(domain) ||
      host[host.size() - domain.size() - 1] != '.') {
    return std::nullopt;
  }
  return host.substr(0, host.size() - domain.size() - 1);
}

} // namespace reactor::edge
