#include "reactor/tls/names.hpp"

#include "reactor/util/text.hpp"

namespace reactor::tls {

bool
name_matches(std::string_view certificate_name, std::string_view host)
{
  if (host.empty()) {
    return false;
  }
  if (!certificate_name.starts_with("*.")) {
    return util::equals_ignoring_case(certificate_name, host);
  }
  const auto dot = host.find('.');
  if (dot == 0 || dot == std::string_view::npos) {
    return false;
  }
  return util::equals_ignoring_case(certificate_name.substr(1), host.substr(dot));
}

} // namespace reactor::tls
