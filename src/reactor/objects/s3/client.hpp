#pragma once

// Signed S3 requests over libcurl: handles kept for reuse, uploads that can be resent,
// retries with backoff. What the store asks and how it reads answers is s3_store's.

#include "reactor/objects/s3/location.hpp"
#include "reactor/objects/s3/sigv4.hpp"
#include "reactor/objects/s3/xml.hpp"

#include <chrono>
#include <curl/curl.h>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace reactor::objects::s3 {

// Attempts per request, the first included.
constexpr int k_attempts = 4;

// One answer: the transport's outcome, then the HTTP status and body.
struct Response
{
  CURLcode transport = CURLE_OK;
  std::string transport_error;
  long status = 0;
  std::string body;
  std::string source_error; // the upload's source failed (file unreadable or changed)
  curl_off_t content_length = -1;
  long last_modified = -1; // seconds since the epoch, from Last-Modified (HEAD)

  std::string code() const { return xml_element(body, "Code"); }
};

// True when another attempt may succeed: transport failures but configuration ones,
// 5xx, 429 and S3's SlowDown, RequestTimeout and InternalError.
bool retryable(const Response& response);

// How long to wait before attempt `attempt` + 1: exponential, capped, half jittered.
std::chrono::milliseconds backoff(int attempt);

// Where an upload's bytes come from; rewindable, so curl can resend on a fresh connection.
class UploadSource
{
public:
  explicit UploadSource(std::string_view bytes);
  // Reads `size` bytes of the open `fd` (named `file` in errors); the caller closes it.
  UploadSource(int fd, const std::filesystem::path& file, std::size_t size);

  std::size_t size() const { return m_size; }
  // Why reading failed, empty when it did not.
  const std::string& error() const { return m_error; }

  static std::size_t read_callback(char* buffer, std::size_t size, std::size_t count, void* self);
  static int seek_callback(void* self, curl_off_t offset, int origin);

private:
  std::size_t read(char* buffer, std::size_t capacity);
  int seek(curl_off_t offset, int origin);

  std::string_view m_bytes;
  int m_fd = -1;
  std::filesystem::path m_file;
  std::size_t m_size = 0;
  std::size_t m_offset = 0;
  std::string m_error;
};

using Query = std::vector<std::pair<std::string, std::string>>;

// Sends signed requests to one location, reusing connections. Safe to use from any thread.
class Client
{
public:
  Client(Location location, sigv4::Credentials credentials);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Location& location() const { return m_location; }

  // One signed request to `path` (already the bucket's or an object's), with the body
  // from `source` when set; never throws for a failed request, the Response says.
  Response send(std::string_view method,
                const std::string& path,
                const Query& query,
                std::string_view payload_hash,
                UploadSource* source = nullptr);

  // Runs `attempt` (which sends one request) until it succeeds, fails for good, or
  // k_attempts are spent, waiting backoff() between attempts.
  template<typename Attempt>
  Response with_retries(Attempt&& attempt)
  {
    for (int i = 0;; ++i) {
      auto response = attempt();
      if (i + 1 == k_attempts || !retryable(response)) {
        return response;
      }
      std::this_thread::sleep_for(backoff(i));
    }
  }

private:
  class HandlePool;

  Location m_location;
  sigv4::Credentials m_credentials;
  std::unique_ptr<HandlePool> m_handles;
};

} // namespace reactor::objects::s3
