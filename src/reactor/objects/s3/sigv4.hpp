#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// AWS Signature Version 4 (header signing) as plain functions on plain types.
namespace reactor::objects::s3::sigv4 {

struct Credentials
{
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token; // empty when the credentials are not temporary
};

struct Header
{
  std::string name;
  std::string value;
};

// A request as it will be sent, before signing.
struct Request
{
  std::string method;
  std::string path;                                       // not percent-encoded: "/a b/c"
  std::vector<std::pair<std::string, std::string>> query; // decoded names and values
  std::vector<Header> headers;                            // must hold `host`; any case
  std::string payload_hash; // lowercase hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct Options
{
  std::string region;
  std::string service;
  std::chrono::sys_seconds timestamp;
  bool normalize_path = false;    // S3 signs the path as sent, so false for S3
  bool sign_payload_hash = true;  // adds a signed `x-amz-content-sha256` (S3 requires it)
  bool sign_session_token = true; // false adds `x-amz-security-token` after signing
};

struct Signature
{
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;     // lowercase hex
  std::string authorization; // the `Authorization` header's value
  // Headers to add to the request as sent: `x-amz-date`, `x-amz-content-sha256` and
  // `x-amz-security-token` when they apply, then `Authorization`.
  std::vector<Header> headers;
};

// Signs the request; never fails.
Signature sign(const Request& request, const Credentials& credentials, const Options& options);

// Percent-encodes every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~), and
// `/` when keep_slash: the encoding SigV4 and S3 object paths use.
std::string uri_encode(std::string_view text, bool keep_slash);

// The `x-amz-date` form of a time: "20150830T123600Z".
std::string amz_date(std::chrono::sys_seconds time);

} // namespace reactor::objects::s3::sigv4
