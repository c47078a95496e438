#include "reactor/objects/s3/s3_store.hpp"

#include "reactor/objects/object_key.hpp"
#include "reactor/objects/s3/client.hpp"
#include "reactor/objects/s3/xml.hpp"
#include "reactor/util/sha256.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <mutex>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace reactor::objects::s3 {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_empty_payload_hash =
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class S3Store final : public ObjectStore
{
public:
  S3Store(Location location, sigv4::Credentials credentials)
    : m_client(std::move(location), std::move(credentials))
    , m_location(m_client.location())
  {
  }

  Result<void> put(std::string_view key, std::string_view bytes) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    const auto hash = util::sha256_hex(bytes);
    const auto response = m_client.with_retries([&] {
      UploadSource source(bytes);
      return perform("PUT", key, hash, &source);
    });
    if (response.transport == CURLE_OK && response.status / 100 == 2) {
      return {};
    }
    return util::fail(describe("put", key, response));
  }

  Result<void> put_file(std::string_view key, const fs::path& file) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    const auto hash = util::sha256_file_hex(file);
    if (!hash) {
      return util::fail("cannot put " + object_name(key) + ": cannot read " + hash.error().message);
    }
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) {
      return util::fail("cannot put " + object_name(key) + ": cannot read " + file.string() + ": " +
                        ec.message());
    }
    const auto response = m_client.with_retries([&] {
      Response result;
      const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        result.source_error =
          "cannot open " + file.string() + ": " + std::generic_category().message(errno);
        return result;
      }
      UploadSource source(fd, file, static_cast<std::size_t>(size));
      result = perform("PUT", key, *hash, &source);
      ::close(fd);
      return result;
    });
    if (response.transport == CURLE_OK && response.status / 100 == 2) {
      return {};
    }
    return util::fail(describe("put", key, response));
  }

  Result<std::optional<std::string>> get(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    auto response =
      m_client.with_retries([&] { return perform("GET", key, k_empty_payload_hash); });
    if (response.transport == CURLE_OK && response.status == 200) {
      return std::optional<std::string>(std::move(response.body));
    }
    if (response.transport == CURLE_OK && response.status == 404 &&
        response.code() != "NoSuchBucket") {
      return std::optional<std::string>{};
    }
    return util::fail(describe("get", key, response));
  }

  Result<bool> exists(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    const auto response =
      m_client.with_retries([&] { return perform("HEAD", key, k_empty_payload_hash); });
    if (response.transport == CURLE_OK && response.status == 200) {
      return true;
    }
    if (response.transport == CURLE_OK && response.status == 404) {
      return false;
    }
    return util::fail(describe("check", key, response));
  }

  Result<std::optional<ObjectInfo>> stat(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    const auto response =
      m_client.with_retries([&] { return perform("HEAD", key, k_empty_payload_hash); });
    if (response.transport == CURLE_OK && response.status == 404) {
      return std::optional<ObjectInfo>{};
    }
    if (response.transport != CURLE_OK || response.status != 200) {
      return util::fail(describe("check", key, response));
    }
    return ObjectInfo{ std::string(key),
                       static_cast<std::uint64_t>(std::max<curl_off_t>(response.content_length, 0)),
                       response.last_modified < 0
                         ? std::chrono::system_clock::time_point::max()
                         : std::chrono::system_clock::from_time_t(response.last_modified) };
  }

  Result<std::vector<ObjectInfo>> list(std::string_view prefix) override
  {
    const auto store_prefix = m_location.prefix.empty() ? std::string() : m_location.prefix + "/";
    std::vector<ObjectInfo> objects;
    std::string continuation;
    do {
      Query query{ { "list-type", "2" }, { "prefix", store_prefix + std::string(prefix) } };
      if (!continuation.empty()) {
        query.emplace_back("continuation-token", continuation);
      }
      const auto response = m_client.with_retries(
        [&] { return m_client.send("GET", bucket_path(), query, k_empty_payload_hash); });
      if (response.transport != CURLE_OK || response.status != 200) {
        return util::fail(describe("list", prefix, response));
      }
      for (auto& object : parse_list_page(response.body)) {
        if (object.key.starts_with(store_prefix)) {
          object.key.erase(0, store_prefix.size());
          objects.push_back(std::move(object));
        }
      }
      continuation = xml_element(response.body, "IsTruncated") == "true"
                       ? xml_unescape(xml_element(response.body, "NextContinuationToken"))
                       : std::string();
    } while (!continuation.empty());
    return objects;
  }

  Result<void> remove(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return util::fail("invalid object key: " + std::string(key));
    }
    const auto response =
      m_client.with_retries([&] { return perform("DELETE", key, k_empty_payload_hash); });
    if (response.transport == CURLE_OK && (response.status / 100 == 2 || response.status == 404) &&
        response.code() != "NoSuchBucket") {
      return {};
    }
    return util::fail(describe("remove", key, response));
  }

  // S3 has no conditional delete everywhere: the check and the delete are two requests, so
  // a rewrite between them (milliseconds) is lost; the sweep's grace period makes that rare.
  Result<bool> remove_if_unchanged(std::string_view key,
                                   std::chrono::system_clock::time_point modified) override
  {
    auto current = stat(key);
    if (!current) {
      return std::unexpected(current.error());
    }
    // Last-Modified has whole seconds.
    if (const auto& found = *current;
        !found || found->modified > std::chrono::floor<std::chrono::seconds>(modified)) {
      return false;
    }
    if (auto removed = remove(key); !removed) {
      return std::unexpected(removed.error());
    }
    return true;
  }

private:
  std::string object_path(std::string_view key) const
  {
    std::string path = "/";
    if (m_location.path_style) {
      path += m_location.bucket + "/";
    }
    if (!m_location.prefix.empty()) {
      path += m_location.prefix + "/";
    }
    path += key;
    return path;
  }

  std::string object_name(std::string_view key) const
  {
    auto name = "s3://" + m_location.bucket + "/";
    if (!m_location.prefix.empty()) {
      name += m_location.prefix + "/";
    }
    return name + std::string(key);
  }

  std::string describe(std::string_view operation,
                       std::string_view key,
                       const Response& response) const
  {
    auto message = "cannot " + std::string(operation) + " " + object_name(key) + ": ";
    if (!response.source_error.empty()) {
      return message + response.source_error;
    }
    if (response.transport != CURLE_OK) {
      const auto detail = response.transport_error.empty()
                            ? std::string(curl_easy_strerror(response.transport))
                            : response.transport_error;
      return message + detail + " (" + m_location.scheme + "://" + m_location.host + ", " +
             std::to_string(k_attempts) + " attempts)";
    }
    const auto code = response.code();
    const auto detail = xml_element(response.body, "Message");
    if (response.status == 403) {
      message += "access denied: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; ";
    } else if (code == "NoSuchBucket") {
      message += "bucket " + m_location.bucket + " does not exist; ";
    } else if (response.status == 301 || code == "AuthorizationHeaderMalformed") {
      message += "check the region (" + m_location.region + ") and endpoint of bucket " +
                 m_location.bucket + "; ";
    }
    message += "HTTP " + std::to_string(response.status);
    if (!code.empty()) {
      message += " " + code;
    }
    if (!detail.empty()) {
      message += ": " + detail;
    }
    if (retryable(response)) {
      message += " (" + std::to_string(k_attempts) + " attempts)";
    }
    return message;
  }

  Response perform(std::string_view method,
                   std::string_view key,
                   std::string_view payload_hash,
                   UploadSource* source = nullptr)
  {
    return m_client.send(method, object_path(key), {}, payload_hash, source);
  }

  // The bucket's own path: "/bucket" path-style, "/" virtual-hosted.
  std::string bucket_path() const { return m_location.path_style ? "/" + m_location.bucket : "/"; }

  Client m_client;
  const Location& m_location;
};

} // namespace

util::Result<std::unique_ptr<ObjectStore>>
create_store(const std::string& url)
{
  auto location = parse_location(url);
  if (!location) {
    return std::unexpected(location.error());
  }
  sigv4::Credentials credentials{ .access_key_id = environment("AWS_ACCESS_KEY_ID"),
                                  .secret_access_key = environment("AWS_SECRET_ACCESS_KEY"),
                                  .session_token = environment("AWS_SESSION_TOKEN") };
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return util::fail("S3 store " + url +
                      ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
  }
  static std::once_flag curl_initialised;
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<S3Store>(std::move(*location), std::move(credentials));
}

} // namespace reactor::objects::s3
