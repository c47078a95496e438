#pragma once

// The HTTP an ACME client speaks, behind an interface so tests can answer for the server.

#include "reactor/util/error.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace reactor::acme {

struct HttpResponse
{
  long status = 0;
  std::map<std::string, std::string> headers; // names lowercased, the last value of each
  std::string body;
};

class Transport
{
public:
  virtual ~Transport() = default;

  // GET `url` when `body` is empty and `method` is "GET", HEAD for "HEAD", otherwise a POST
  // of `body` as application/jose+json. Fails when no HTTP answer came back.
  virtual util::Result<HttpResponse> request(std::string_view method,
                                             const std::string& url,
                                             const std::string& body) = 0;
};

// HTTPS over libcurl, trusting `ca_file` when it is not empty, else the system's roots.
std::unique_ptr<Transport> make_curl_transport(std::filesystem::path ca_file);

} // namespace reactor::acme
