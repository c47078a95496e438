#include "reactor/net/http_message.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>

namespace reactor::net {

FileBody::FileBody(int descriptor, std::uint64_t bytes)
  : fd(descriptor)
  , size(bytes)
{
}

FileBody::~FileBody()
{
  if (fd >= 0) {
    ::close(fd);
  }
}

std::string_view
Request::header(std::string_view name) const
{
  return find_header(headers, name);
}

std::string_view
Request::path() const
{
  const std::string_view whole = target;
  return whole.substr(0, whole.find('?'));
}

std::optional<std::string_view>
Request::query(std::string_view name) const
{
  const std::string_view whole = target;
  const auto question = whole.find('?');
  if (question == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = whole.substr(question + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
    }
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
  return std::nullopt;
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

bool
etag_matches(std::string_view if_none_match, std::string_view etag)
{
  if (if_none_match.empty()) {
    return false;
  }
  if (if_none_match.find('*') != std::string_view::npos) {
    return true;
  }
  return if_none_match.find(etag) != std::string_view::npos;
}

} // namespace reactor::net
