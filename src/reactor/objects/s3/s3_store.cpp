#include "reactor/objects/s3/s3_store.hpp"

#include "reactor/objects/object_key.hpp"
#include "reactor/objects/s3/sigv4.hpp"
#include "reactor/objects/s3/xml.hpp"
#include "reactor/util/sha256.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <curl/curl.h>
#include <fcntl.h>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <vector>

namespace reactor::objects::s3 {

namespace {

namespace fs = std::filesystem;

constexpr int k_attempts = 4;
constexpr std::chrono::milliseconds k_first_backoff{ 100 };
constexpr std::chrono::milliseconds k_max_backoff{ 3000 };
constexpr std::size_t k_max_idle_handles = 16;
// Larger uploads wait for "100 Continue", so a refused request does not send the body.
constexpr std::size_t k_expect_continue_size = 1024 * 1024;
constexpr std::string_view k_empty_payload_hash =
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Location
{
  std::string bucket;
  std::string prefix; // without leading or trailing slash; may be empty
  std::string scheme; // "http" or "https"
  std::string host;   // the Host header: host, and port unless the scheme's default
  bool path_style = false;
  std::string region;
};

std::string
environment(const char* name)
{
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

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

bool
retryable(const Response& response)
{
  if (!response.source_error.empty()) {
    return false;
  }
  switch (response.transport) {
    case CURLE_OK:
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return false;
    default:
      return true;
  }
  if (response.status >= 500 || response.status == 429) {
    return true;
  }
  const auto code = response.code();
  return code == "SlowDown" || code == "RequestTimeout" || code == "InternalError";
}

std::chrono::milliseconds
backoff(int attempt)
{
  thread_local std::mt19937 generator{ std::random_device{}() };
  const auto ceiling = std::min(k_max_backoff, k_first_backoff * (1 << attempt));
  std::uniform_int_distribution<long> jitter(0, ceiling.count() / 2);
  return std::chrono::milliseconds(ceiling.count() / 2 + jitter(generator));
}

// Where an upload's bytes come from; rewindable, so curl can resend on a fresh connection.
class UploadSource
{
public:
  explicit UploadSource(std::string_view bytes)
    : m_bytes(bytes)
    , m_size(bytes.size())
  {
  }

  UploadSource(int fd, const fs::path& file, std::size_t size)
    : m_fd(fd)
    , m_file(file)
    , m_size(size)
  {
  }

  std::size_t size() const { return m_size; }
  const std::string& error() const { return m_error; }

  static std::size_t read_callback(char* buffer, std::size_t size, std::size_t count, void* self)
  {
    return static_cast<UploadSource*>(self)->read(buffer, size * count);
  }

  static int seek_callback(void* self, curl_off_t offset, int origin)
  {
    return static_cast<UploadSource*>(self)->seek(offset, origin);
  }

private:
  std::size_t read(char* buffer, std::size_t capacity)
  {
    const auto wanted = std::min(capacity, m_size - m_offset);
    if (wanted == 0) {
      return 0;
    }
    if (m_fd < 0) {
      std::memcpy(buffer, m_bytes.data() + m_offset, wanted);
      m_offset += wanted;
      return wanted;
    }
    for (;;) {
      const ssize_t n = ::read(m_fd, buffer, wanted);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        m_error = "cannot read " + m_file.string() + ": " + std::generic_category().message(errno);
        return CURL_READFUNC_ABORT;
      }
      if (n == 0) {
        m_error = m_file.string() + " changed while it was uploaded";
        return CURL_READFUNC_ABORT;
      }
      m_offset += static_cast<std::size_t>(n);
      return static_cast<std::size_t>(n);
    }
  }

  int seek(curl_off_t offset, int origin)
  {
    if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > m_size) {
      return CURL_SEEKFUNC_CANTSEEK;
    }
    if (m_fd >= 0 && ::lseek(m_fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
      return CURL_SEEKFUNC_FAIL;
    }
    m_offset = static_cast<std::size_t>(offset);
    return CURL_SEEKFUNC_OK;
  }

  std::string_view m_bytes;
  int m_fd = -1;
  fs::path m_file;
  std::size_t m_size = 0;
  std::size_t m_offset = 0;
  std::string m_error;
};

std::size_t
append_body(char* data, std::size_t size, std::size_t count, void* body)
{
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

struct HeaderList
{
  curl_slist* list = nullptr;

  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() { curl_slist_free_all(list); }

  // An empty value removes a header curl would add by itself.
  void add(std::string_view name, std::string_view value)
  {
    const auto line = std::string(name) + (value.empty() ? ":" : ": ") + std::string(value);
    auto* appended = curl_slist_append(list, line.c_str());
    if (appended == nullptr) {
      throw std::bad_alloc();
    }
    list = appended;
  }
};

// Easy handles kept for reuse, so connections stay alive between calls.
class HandlePool
{
public:
  HandlePool() = default;
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  ~HandlePool()
  {
    for (auto* handle : m_idle) {
      curl_easy_cleanup(handle);
    }
  }

  struct Release
  {
    HandlePool* pool;
    void operator()(CURL* handle) const { pool->release(handle); }
  };
  using Handle = std::unique_ptr<CURL, Release>;

  Handle acquire()
  {
    {
      const std::lock_guard lock(m_mutex);
      if (!m_idle.empty()) {
        auto* handle = m_idle.back();
        m_idle.pop_back();
        return Handle(handle, Release{ this });
      }
    }
    auto* handle = curl_easy_init();
    if (handle == nullptr) {
      throw std::bad_alloc();
    }
    return Handle(handle, Release{ this });
  }

private:
  void release(CURL* handle)
  {
    curl_easy_reset(handle);
    const std::lock_guard lock(m_mutex);
    if (m_idle.size() < k_max_idle_handles) {
      m_idle.push_back(handle);
      return;
    }
    curl_easy_cleanup(handle);
  }

  std::mutex m_mutex;
  std::vector<CURL*> m_idle;
};

class S3Store final : public ObjectStore
{
public:
  S3Store(Location location, sigv4::Credentials credentials)
    : m_location(std::move(location))
    , m_credentials(std::move(credentials))
  {
  }

  Result<void> put(std::string_view key, std::string_view bytes) override
  {
    if (!is_valid_key(key)) {
      return core::fail("invalid object key: " + std::string(key));
    }
    const auto hash = util::sha256_hex(bytes);
    const auto response = with_retries([&] {
      UploadSource source(bytes);
      return perform("PUT", key, hash, &source);
    });
    if (response.transport == CURLE_OK && response.status / 100 == 2) {
      return {};
    }
    return core::fail(describe("put", key, response));
  }

  Result<void> put_file(std::string_view key, const fs::path& file) override
  {
    if (!is_valid_key(key)) {
      return core::fail("invalid object key: " + std::string(key));
    }
    const auto hash = util::sha256_file_hex(file);
    if (!hash) {
      return core::fail("cannot put " + object_name(key) + ": cannot read " + hash.error());
    }
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) {
      return core::fail("cannot put " + object_name(key) + ": cannot read " + file.string() + ": " +
                        ec.message());
    }
    const auto response = with_retries([&] {
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
    return core::fail(describe("put", key, response));
  }

  Result<std::optional<std::string>> get(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return core::fail("invalid object key: " + std::string(key));
    }
    auto response = with_retries([&] { return perform("GET", key, k_empty_payload_hash); });
    if (response.transport == CURLE_OK && response.status == 200) {
      return std::optional<std::string>(std::move(response.body));
    }
    if (response.transport == CURLE_OK && response.status == 404 &&
        response.code() != "NoSuchBucket") {
      return std::optional<std::string>{};
    }
    return core::fail(describe("get", key, response));
  }

  Result<bool> exists(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return core::fail("invalid object key: " + std::string(key));
    }
    const auto response = with_retries([&] { return perform("HEAD", key, k_empty_payload_hash); });
    if (response.transport == CURLE_OK && response.status == 200) {
      return true;
    }
    if (response.transport == CURLE_OK && response.status == 404) {
      return false;
    }
    return core::fail(describe("check", key, response));
  }

  Result<std::optional<ObjectInfo>> stat(std::string_view key) override
  {
    if (!is_valid_key(key)) {
      return core::fail("invalid object key: " + std::string(key));
    }
    const auto response = with_retries([&] { return perform("HEAD", key, k_empty_payload_hash); });
    if (response.transport == CURLE_OK && response.status == 404) {
      return std::optional<ObjectInfo>{};
    }
    if (response.transport != CURLE_OK || response.status != 200) {
      return core::fail(describe("check", key, response));
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
      const auto response =
        with_retries([&] { return send("GET", bucket_path(), query, k_empty_payload_hash); });
      if (response.transport != CURLE_OK || response.status != 200) {
        return core::fail(describe("list", prefix, response));
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
      return core::fail("invalid object key: " + std::string(key));
    }
    const auto response =
      with_retries([&] { return perform("DELETE", key, k_empty_payload_hash); });
    if (response.transport == CURLE_OK && (response.status / 100 == 2 || response.status == 404) &&
        response.code() != "NoSuchBucket") {
      return {};
    }
    return core::fail(describe("remove", key, response));
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

  using Query = std::vector<std::pair<std::string, std::string>>;

  Response perform(std::string_view method,
                   std::string_view key,
                   std::string_view payload_hash,
                   UploadSource* source = nullptr)
  {
    return send(method, object_path(key), {}, payload_hash, source);
  }

  // The bucket's own path: "/bucket" path-style, "/" virtual-hosted.
  std::string bucket_path() const { return m_location.path_style ? "/" + m_location.bucket : "/"; }

  Response send(std::string_view method,
                const std::string& path,
                const Query& query,
                std::string_view payload_hash,
                UploadSource* source = nullptr)
  {
    sigv4::Request request{ .method = std::string(method),
                            .path = path,
                            .query = query,
                            .headers = { { "host", m_location.host } },
                            .payload_hash = std::string(payload_hash) };
    const sigv4::Options options{ .region = m_location.region,
                                  .service = "s3",
                                  .timestamp = std::chrono::floor<std::chrono::seconds>(
                                    std::chrono::system_clock::now()),
                                  .normalize_path = false,
                                  .sign_payload_hash = true,
                                  .sign_session_token = true };
    const auto signature = sigv4::sign(request, m_credentials, options);

    HeaderList headers;
    headers.add("Host", m_location.host);
    if (source != nullptr && source->size() < k_expect_continue_size) {
      headers.add("Expect", "");
    }
    for (const auto& header : signature.headers) {
      headers.add(header.name, header.value);
    }
    auto url = m_location.scheme + "://" + m_location.host + sigv4::uri_encode(path, true);
    for (std::size_t i = 0; i < query.size(); ++i) {
      url += (i == 0 ? "?" : "&") + sigv4::uri_encode(query[i].first, false) + "=" +
             sigv4::uri_encode(query[i].second, false);
    }

    Response response;
    std::array<char, CURL_ERROR_SIZE> error{};
    auto handle = m_handles.acquire();
    auto* curl = handle.get();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error.data());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    if (method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
      curl_easy_setopt(curl, CURLOPT_FILETIME, 1L);
    } else if (method == "DELETE") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
    } else if (source != nullptr) {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, &UploadSource::read_callback);
      curl_easy_setopt(curl, CURLOPT_READDATA, source);
      curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, &UploadSource::seek_callback);
      curl_easy_setopt(curl, CURLOPT_SEEKDATA, source);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(source->size()));
    }
    response.transport = curl_easy_perform(curl);
    if (response.transport != CURLE_OK) {
      response.transport_error = error.data();
      if (source != nullptr) {
        response.source_error = source->error();
      }
      return response;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &response.content_length);
    curl_easy_getinfo(curl, CURLINFO_FILETIME, &response.last_modified);
    return response;
  }

  Location m_location;
  sigv4::Credentials m_credentials;
  HandlePool m_handles;
};

core::Result<Location>
parse_location(const std::string& text)
{
  const auto invalid = [&](std::string_view why) {
    return core::fail("invalid S3 URL " + text + ": " + std::string(why) +
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

} // namespace

core::Result<std::unique_ptr<ObjectStore>>
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
    return core::fail("S3 store " + url +
                      ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
  }
  static std::once_flag curl_initialised;
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<S3Store>(std::move(*location), std::move(credentials));
}

} // namespace reactor::objects::s3
