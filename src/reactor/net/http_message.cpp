#include "reactor/net/http_message.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace reactor::net {

std::string_view
Request::header(std::string_view name) const
{
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

std::string_view
Request::path() const
{
  const std::string_view whole = target;
  return whole.substr(0, whole.find('?'));
}

Response
json_response(unsigned status, std::string json)
{
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.headers.emplace_back("Cache-Control", "no-store");
  response.body = std::move(json);
  return response;
}

Response
json_error(unsigned status, std::string_view message)
{
  return json_response(status, boost::json::serialize(boost::json::object{ { "error", message } }));
}

} // namespace reactor::net
