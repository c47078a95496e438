#pragma once

#include "reactor/objects/s3/sigv4.hpp"
#include "reactor/util/random.hpp"
#include "reactor/util/sha256.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <cstdlib>
#include <curl/curl.h>
#include <optional>
#include <stdexcept>
#include <string>

namespace reactor::testing {

namespace sigv4 = objects::s3::sigv4;

constexpr std::string_view k_run_under_with_s3 =
  "REACTOR_TEST_S3_URL is not set: run the tests under scripts/with-s3.sh "
  "(e.g. scripts/with-s3.sh ./build/tests/unit/unit_tests), which starts an S3 server";

// The S3 URL the S3 tests run against (set by scripts/with-s3.sh); nullopt when unset.
inline std::optional<std::string>
test_s3_url()
{
  const char* url = std::getenv("REACTOR_TEST_S3_URL");
  if (url == nullptr || *url == '\0') {
    return std::nullopt;
  }
  return std::string(url);
}

// The URL with a fresh sub-prefix below its own, so tests never see each other's objects.
inline std::string
unique_s3_url(const std::string& base, std::string_view name)
{
  boost::urls::url url(boost::urls::parse_uri(base).value());
  std::string path = url.path();
  while (path.ends_with('/')) {
    path.pop_back();
  }
  url.set_path(path + "/" + std::string(name) + "-" + util::random_hex(4));
  return std::string(url.buffer());
}

// The number of objects below the URL's prefix (ListObjectsV2, path-style at the URL's
// endpoint), with the credentials in the environment; throws when listing fails.
inline std::size_t
count_s3_objects(const std::string& store_url)
{
  const auto url = boost::urls::parse_uri(store_url).value();
  std::string endpoint;
  std::string region = "us-east-1";
  for (const auto param : url.params()) {
    if (param.key == "endpoint") {
      endpoint = param.value;
    } else if (param.key == "region") {
      region = param.value;
    }
  }
  if (endpoint.empty()) {
    throw std::runtime_error("counting objects needs an endpoint in " + store_url);
  }
  const auto endpoint_url = boost::urls::parse_uri(endpoint).value();
  const std::string host(endpoint_url.encoded_host_and_port());
  std::string prefix = url.path();
  while (prefix.starts_with('/')) {
    prefix.erase(0, 1);
  }
  prefix += "/";

  const sigv4::Request request{ .method = "GET",
                                .path = "/" + url.host(),
                                .query = { { "list-type", "2" }, { "prefix", prefix } },
                                .headers = { { "host", host } },
                                .payload_hash = util::sha256_hex("") };
  const char* access_key_id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret_access_key = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (access_key_id == nullptr || secret_access_key == nullptr) {
    throw std::runtime_error("counting objects needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  const sigv4::Credentials credentials{ .access_key_id = access_key_id,
                                        .secret_access_key = secret_access_key,
                                        .session_token = {} };
  const sigv4::Options options{ .region = region,
                                .service = "s3",
                                .timestamp = std::chrono::floor<std::chrono::seconds>(
                                  std::chrono::system_clock::now()),
                                .normalize_path = false,
                                .sign_payload_hash = true,
                                .sign_session_token = true };
  const auto signature = sigv4::sign(request, credentials, options);

  curl_slist* headers = nullptr;
  for (const auto& header : signature.headers) {
    headers = curl_slist_append(headers, (header.name + ": " + header.value).c_str());
  }
  const auto target = std::string(endpoint_url.scheme()) + "://" + host + "/" + url.host() +
                      "?list-type=2&prefix=" + sigv4::uri_encode(prefix, false);
  std::string body;
  auto* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(
    curl, CURLOPT_WRITEFUNCTION, +[](char* data, std::size_t size, std::size_t count, void* out) {
      static_cast<std::string*>(out)->append(data, size * count);
      return size * count;
    });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const auto code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK || status != 200) {
    throw std::runtime_error("cannot list " + target + ": " + curl_easy_strerror(code) + " " +
                             std::to_string(status) + " " + body);
  }
  std::size_t count = 0;
  for (auto at = body.find("<Key>"); at != std::string::npos; at = body.find("<Key>", at + 1)) {
    ++count;
  }
  return count;
}

} // namespace reactor::testing
