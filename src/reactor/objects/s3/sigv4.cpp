#include "reactor/objects/s3/sigv4.hpp"

#include "reactor/util/sha256.hpp"
#include "reactor/util/text.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace reactor::objects::s3::sigv4 {

namespace {

constexpr std::string_view k_algorithm = "AWS4-HMAC-SHA256";

std::string
hmac_sha256(std::string_view key, std::string_view data)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(),
       key.data(),
       static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()),
       data.size(),
       digest.data(),
       &length);
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

std::string
hex(std::string_view bytes)
{
  constexpr std::string_view k_hex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(k_hex[byte >> 4]);
    out.push_back(k_hex[byte & 0x0f]);
  }
  return out;
}

bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Trims the value and collapses each run of whitespace (folded lines included) to one space.
std::string
canonical_value(std::string_view value)
{
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c);
  }
  return out;
}

std::string
normalized_path(std::string_view path)
{
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    const auto segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    out += segments[i];
    if (i + 1 < segments.size()) {
      out += '/';
    }
  }
  if (!segments.empty() && path.ends_with('/')) {
    out += '/';
  }
  return out;
}

std::string
canonical_query(const std::vector<std::pair<std::string, std::string>>& query)
{
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::ranges::sort(encoded);
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) {
      out += '&';
    }
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

} // namespace

std::string
uri_encode(std::string_view text, bool keep_slash)
{
  constexpr std::string_view k_hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(k_hex[byte >> 4]);
    out.push_back(k_hex[byte & 0x0f]);
  }
  return out;
}

std::string
amz_date(std::chrono::sys_seconds time)
{
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  static_cast<void>(::gmtime_r(&seconds, &parts));
  std::array<char, 32> text{};
  const auto length = std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &parts);
  return std::string(text.data(), length);
}

Signature
sign(const Request& request, const Credentials& credentials, const Options& options)
{
  Signature result;
  const auto date_time = amz_date(options.timestamp);
  const auto date = date_time.substr(0, 8);

  result.headers.push_back({ "x-amz-date", date_time });
  if (options.sign_payload_hash) {
    result.headers.push_back({ "x-amz-content-sha256", request.payload_hash });
  }
  const bool has_token = !credentials.session_token.empty();
  if (has_token && options.sign_session_token) {
    result.headers.push_back({ "x-amz-security-token", credentials.session_token });
  }

  std::vector<Header> signed_headers;
  signed_headers.reserve(request.headers.size() + result.headers.size());
  for (const auto& header : request.headers) {
    signed_headers.push_back({ util::ascii_lowercase(header.name), canonical_value(header.value) });
  }
  for (const auto& header : result.headers) {
    signed_headers.push_back({ header.name, header.value });
  }
  std::ranges::stable_sort(signed_headers, {}, &Header::name);

  std::string canonical_headers;
  std::string signed_names;
  for (std::size_t i = 0; i < signed_headers.size(); ++i) {
    const auto& name = signed_headers[i].name;
    if (i > 0 && signed_headers[i - 1].name == name) {
      canonical_headers.pop_back();
      canonical_headers += ',' + signed_headers[i].value + '\n';
      continue;
    }
    canonical_headers += name + ':' + signed_headers[i].value + '\n';
    if (!signed_names.empty()) {
      signed_names += ';';
    }
    signed_names += name;
  }

  const auto path = options.normalize_path ? normalized_path(request.path) : request.path;
  result.canonical_request = request.method + '\n' + uri_encode(path, true) + '\n' +
                             canonical_query(request.query) + '\n' + canonical_headers + '\n' +
                             signed_names + '\n' + request.payload_hash;

  const auto scope = date + '/' + options.region + '/' + options.service + "/aws4_request";
  result.string_to_sign = std::string(k_algorithm) + '\n' + date_time + '\n' + scope + '\n' +
                          util::sha256_hex(result.canonical_request);

  auto key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
  key = hmac_sha256(key, options.region);
  key = hmac_sha256(key, options.service);
  key = hmac_sha256(key, "aws4_request");
  result.signature = hex(hmac_sha256(key, result.string_to_sign));

  result.authorization = std::string(k_algorithm) + " Credential=" + credentials.access_key_id +
                         '/' + scope + ", SignedHeaders=" + signed_names +
                         ", Signature=" + result.signature;
  if (has_token && !options.sign_session_token) {
    result.headers.push_back({ "x-amz-security-token", credentials.session_token });
  }
  result.headers.push_back({ "Authorization", result.authorization });
  return result;
}

} // namespace reactor::objects::s3::sigv4
