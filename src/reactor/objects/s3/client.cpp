#include "reactor/objects/s3/client.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>
#include <system_error>
#include <unistd.h>

namespace reactor::objects::s3 {

namespace {

namespace fs = std::filesystem;

constexpr std::chrono::milliseconds k_first_backoff{ 100 };
constexpr std::chrono::milliseconds k_max_backoff{ 3000 };
constexpr std::size_t k_max_idle_handles = 16;
// Larger uploads wait for "100 Continue", so a refused request does not send the body.
constexpr std::size_t k_expect_continue_size = 1024 * 1024;

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

} // namespace

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

UploadSource::UploadSource(std::string_view bytes)
  : m_bytes(bytes)
  , m_size(bytes.size())
{
}

UploadSource::UploadSource(int fd, const fs::path& file, std::size_t size)
  : m_fd(fd)
  , m_file(file)
  , m_size(size)
{
}

std::size_t
UploadSource::read_callback(char* buffer, std::size_t size, std::size_t count, void* self)
{
  return static_cast<UploadSource*>(self)->read(buffer, size * count);
}

int
UploadSource::seek_callback(void* self, curl_off_t offset, int origin)
{
  return static_cast<UploadSource*>(self)->seek(offset, origin);
}

std::size_t
UploadSource::read(char* buffer, std::size_t capacity)
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

int
UploadSource::seek(curl_off_t offset, int origin)
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

// Easy handles kept for reuse, so connections stay alive between calls.
class Client::HandlePool
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

Client::Client(Location location, sigv4::Credentials credentials)
  : m_location(std::move(location))
  , m_credentials(std::move(credentials))
  , m_handles(std::make_unique<HandlePool>())
{
}

Client::~Client() = default;

Response
Client::send(std::string_view method,
             const std::string& path,
             const Query& query,
             std::string_view payload_hash,
             UploadSource* source)
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
  auto handle = m_handles->acquire();
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

} // namespace reactor::objects::s3
