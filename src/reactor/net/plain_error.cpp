#include "reactor/net/plain_error.hpp"

#include <string>

namespace reactor::net {

Response
plain_error(unsigned status, std::string_view text)
{
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.body = std::string(text) + "\n";
  return response;
}

} // namespace reactor::net
