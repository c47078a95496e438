#include "reactor/objects/s3/location.hpp"

#include "reactor/objects/object_key.hpp"

#include <boost/url/parse.hpp>

#include <cstdlib>
#include <string_view>

namespace reactor::objects::s3 {

std::string
environment(const char* name)
{
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

util::Result<Location>
parse_location(const std::string& text)
{
  const auto invalid = [&](std::string_view why) {
    return util::fail("invalid S3 URL " + text + ": " + std::string(why) +
                      " (expected s3://bucket/prefix?endpoint=…&region=…&path_style=…)");
  };
  const auto url = boost::urls::parse_uri(text);
  if (!url || url->scheme() != "s3") {
    return invalid("not an s3:// URL");
  }
  Location location;
  location.bucket = url->host();
  if (location.bucket.empty()) {
    return invalid("no bucket");
  }
  if (url->has_port() || url->has_userinfo() || url->has_fragment()) {
    return invalid("a bucket name has no port, user or fragment");
  }
  const std::string path = url->path();
  std::string_view prefix = path;
  while (prefix.starts_with('/')) {
    prefix.remove_prefix(1);
  }
  while (prefix.ends_with('/')) {
    prefix.remove_suffix(1);
  }
  location.prefix = std::string(prefix);
  if (!location.prefix.empty() && !is_valid_key(location.prefix)) {
    return invalid("the prefix has an empty, '.' or '..' segment");
  }

  std::string endpoint;
  std::string path_style;
  for (const auto param : url->params()) {
    if (param.key == "endpoint") {
      endpoint = param.value;
    } else if (param.key == "region") {
      location.region = param.value;
    } else if (param.key == "path_style") {
      path_style = param.value;
    } else {
      return invalid("unknown parameter " + param.key);
    }
  }
  if (location.region.empty()) {
    location.region = environment("AWS_REGION");
  }
  if (location.region.empty()) {
    location.region = "us-east-1";
  }
  if (path_style == "true") {
    location.path_style = true;
  } else if (path_style == "false") {
    location.path_style = false;
  } else if (path_style.empty()) {
    location.path_style = !endpoint.empty();
  } else {
    return invalid("path_style must be true or false");
  }

  if (endpoint.empty()) {
    endpoint = "https://s3." + location.region + ".amazonaws.com";
  }
  const auto parsed = boost::urls::parse_uri(endpoint);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->encoded_host().empty()) {
    return invalid("the endpoint must be an http:// or https:// URL");
  }
  if (!parsed->path().empty() && parsed->path() != "/") {
    return invalid("the endpoint has no path");
  }
  location.scheme = std::string(parsed->scheme());
  location.host = std::string(parsed->encoded_host_and_port());
  const auto default_port = location.scheme == "https" ? "443" : "80";
  if (parsed->has_port() && (parsed->port().empty() || parsed->port() == default_port)) {
    location.host = std::string(parsed->encoded_host());
  }
  if (!location.path_style) {
    location.host = location.bucket + "." + location.host;
  }
  return location;
}

} // namespace reactor::objects::s3
