#include "reactor/cli/api_client.hpp"

#include <array>
#include <curl/curl.h>
#include <memory>
#include <stdexcept>

namespace reactor::cli {

namespace {

constexpr long k_connect_timeout_ms = 5000;
constexpr long k_request_timeout_ms = 60000;
constexpr int k_idle_poll_ms = 100;

struct EasyDeleter
{
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;

struct ListDeleter
{
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using ListPtr = std::unique_ptr<curl_slist, ListDeleter>;

struct MultiDeleter
{
  void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;

// What the write callback needs: the reply being filled and, for streams, the consumer.
struct Transfer
{
  CURL* easy = nullptr;
  Reply reply;
  const ApiClient::ChunkHandler* on_chunk = nullptr;
  bool stopped = false;
  std::array<char, CURL_ERROR_SIZE> error{};
};

std::size_t
write_body(char* data, std::size_t size, std::size_t count, void* user)
{
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer.reply.status == 0) {
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &transfer.reply.status);
  }
  const bool success = transfer.reply.status >= 200 && transfer.reply.status < 300;
  if (transfer.on_chunk != nullptr && success) {
    if (!(*transfer.on_chunk)(std::string_view(data, bytes))) {
      transfer.stopped = true;
      return 0;
    }
    return bytes;
  }
  transfer.reply.body.append(data, bytes);
  return bytes;
}

void
ensure_curl_initialized()
{
  static const bool k_initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!k_initialized) {
    throw std::runtime_error("libcurl failed to initialize");
  }
}

util::Error
transport_error(const std::string& server, const Transfer& transfer, CURLcode code)
{
  const std::string detail =
    transfer.error[0] != '\0' ? std::string(transfer.error.data()) : curl_easy_strerror(code);
  if (transfer.reply.status != 0) {
    return util::Error{ "the connection to the Reactor server at " + server + " broke (" + detail +
                        ")" };
  }
  if (code == CURLE_PEER_FAILED_VERIFICATION) {
    return util::Error{ "cannot verify the TLS certificate of the Reactor server at " + server +
                        " (" + detail +
                        "). If a public CA did not issue it, give the CA certificate that did "
                        "with --ca-file FILE or the REACTOR_CA_FILE environment variable" };
  }
  return util::Error{ "cannot reach the Reactor server at " + server + " (" + detail +
                      "). Is `reactor serve` running there? Choose the server with --server "
                      "URL or the REACTOR_URL environment variable" };
}

} // namespace

util::Result<std::string>
normalize_server_url(std::string_view text)
{
  std::string url(text);
  while (url.ends_with('/')) {
    url.pop_back();
  }
  const bool http = url.starts_with("http://") && url.size() > 7;
  const bool https = url.starts_with("https://") && url.size() > 8;
  if (!http && !https) {
    return util::fail("the server address '" + std::string(text) +
                      "' is not an http:// or https:// URL, e.g. http://127.0.0.1:3000");
  }
  return url;
}

ApiClient::ApiClient(std::string server, std::string token, std::string ca_file)
  : m_server(std::move(server))
  , m_token(std::move(token))
  , m_ca_file(std::move(ca_file))
{
  ensure_curl_initialized();
}

util::Result<Reply>
ApiClient::get(std::string_view path) const
{
  return perform({ .path = path });
}

util::Result<Reply>
ApiClient::post(std::string_view path, std::string_view json) const
{
  return perform({ .path = path, .post_body = json, .post = true });
}

util::Result<Reply>
ApiClient::remove(std::string_view path) const
{
  return perform({ .path = path, .method = "DELETE" });
}

util::Result<Reply>
ApiClient::patch(std::string_view path, std::string_view json) const
{
  return perform({ .path = path, .post_body = json, .post = true, .method = "PATCH" });
}

util::Result<Reply>
ApiClient::put(std::string_view path, std::string_view json) const
{
  return perform({ .path = path, .post_body = json, .post = true, .method = "PUT" });
}

util::Result<Reply>
ApiClient::stream(std::string_view path,
                  const ChunkHandler& on_chunk,
                  const std::function<void()>& on_idle,
                  std::chrono::seconds silence_limit) const
{
  return perform({ .path = path,
                   .on_chunk = on_chunk ? &on_chunk : nullptr,
                   .on_idle = on_idle,
                   .silence_limit = silence_limit });
}

util::Result<Reply>
ApiClient::perform(const Request& request) const
{
  EasyPtr easy(curl_easy_init());
  MultiPtr multi(curl_multi_init());
  if (!easy || !multi) {
    return util::fail("libcurl could not create a request");
  }
  Transfer transfer;
  transfer.easy = easy.get();
  transfer.on_chunk = request.on_chunk;

  ListPtr headers;
  const auto add_header = [&headers](const std::string& header) {
    headers.reset(curl_slist_append(headers.release(), header.c_str()));
  };
  if (!m_token.empty()) {
    add_header("Authorization: Bearer " + m_token);
  }
  const std::string url = m_server + std::string(request.path);
  CURL* handle = easy.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "reactor-cli");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, k_connect_timeout_ms);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, transfer.error.data());
  if (!m_ca_file.empty()) {
    curl_easy_setopt(handle, CURLOPT_CAINFO, m_ca_file.c_str());
  }
  if (!request.method.empty()) {
    // NOLINTNEXTLINE(bugprone-suspicious-stringview-data-usage): always a literal
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.data());
  }
  if (request.post) {
    add_header("Content-Type: application/json");
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    // Not null-terminated, and need not be: libcurl takes the size from POSTFIELDSIZE.
    // NOLINTNEXTLINE(bugprone-suspicious-stringview-data-usage)
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.post_body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.post_body.size()));
  }
  if (request.on_chunk == nullptr) {
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, k_request_timeout_ms);
  } else if (request.silence_limit.count() > 0) {
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(
      handle, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.silence_limit.count()));
  }
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());

  if (curl_multi_add_handle(multi.get(), handle) != CURLM_OK) {
    return util::fail("libcurl could not start a request");
  }
  int running = 1;
  while (running != 0) {
    const CURLMcode performed = curl_multi_perform(multi.get(), &running);
    if (performed != CURLM_OK) {
      curl_multi_remove_handle(multi.get(), handle);
      return util::fail(std::string("libcurl failed: ") + curl_multi_strerror(performed));
    }
    if (running != 0) {
      curl_multi_poll(multi.get(), nullptr, 0, k_idle_poll_ms, nullptr);
      if (request.on_idle) {
        request.on_idle();
      }
    }
  }
  CURLcode code = CURLE_OK;
  int left = 0;
  while (const CURLMsg* message = curl_multi_info_read(multi.get(), &left)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == handle) {
      code = message->data.result;
    }
  }
  curl_multi_remove_handle(multi.get(), handle);
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && transfer.stopped)) {
    return std::unexpected(transport_error(m_server, transfer, code));
  }
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &transfer.reply.status);
  const char* location = nullptr;
  if (curl_easy_getinfo(handle, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
      location != nullptr) {
    transfer.reply.location = location;
  }
  return std::move(transfer.reply);
}

} // namespace reactor::cli
