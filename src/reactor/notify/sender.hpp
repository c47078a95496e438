#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace reactor::notify {

// How one POST went.
struct SendResult
{
  long status = 0;   // the HTTP status answered; 0 when there was no answer
  std::string error; // why there was no answer, or "" (kept short, for the API to show)
};

// POSTs `body` as JSON with `headers` ("Name: value") to `url` (http or https), without
// following redirects, within `timeout`. Connects only to public addresses (loopback too
// when `allow_loopback`): the address checked is the one connected to, so a name that
// resolves differently the second time gains nothing.
SendResult post_json(const std::string& url,
                     const std::vector<std::string>& headers,
                     const std::string& body,
                     bool allow_loopback,
                     std::chrono::seconds timeout);

} // namespace reactor::notify
