#pragma once

#include "reactor/util/error.hpp"

#include <string>

namespace reactor::objects::s3 {

// Where a store's objects live and how requests reach them, read from its s3:// URL.
struct Location
{
  std::string bucket;
  std::string prefix; // without leading or trailing slash; may be empty
  std::string scheme; // "http" or "https"
  std::string host;   // the Host header: host, and port unless the scheme's default
  bool path_style = false;
  std::string region;
};

// Reads s3://bucket/prefix?endpoint=…&region=…&path_style=…: the region defaults to
// AWS_REGION, then us-east-1; path-style addressing to on with an endpoint, off without.
// Fails saying what is wrong with the URL.
util::Result<Location> parse_location(const std::string& text);

// The value of an environment variable, empty when unset.
std::string environment(const char* name);

} // namespace reactor::objects::s3
