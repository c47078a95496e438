#include "reactor/acme/transport.hpp"
#include "reactor/util/text.hpp"

#include <array>
#include <curl/curl.h>
#include <mutex>

namespace reactor::acme {

namespace {

struct EasyFree
{
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct ListFree
{
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

constexpr long k_timeout_ms = 30000;

std::size_t
append_body(char* data, std::size_t size, std::size_t count, void* response)
{
  static_cast<HttpResponse*>(response)->body.append(data, size * count);
  return size * count;
}

std::size_t
append_header(char* data, std::size_t size, std::size_t count, void* response)
{
  const std::string_view line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    static_cast<HttpResponse*>(response)->headers[util::ascii_lowercase(line.substr(0, colon))] =
      std::string(util::trim(line.substr(colon + 1), " \t\r\n"));
  }
  return size * count;
}

class CurlTransport final : public Transport
{
public:
  explicit CurlTransport(std::filesystem::path ca_file)
    : m_ca_file(std::move(ca_file))
  {
    static std::once_flag initialised;
    std::call_once(initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  util::Result<HttpResponse> request(std::string_view method,
                                     const std::string& url,
                                     const std::string& body) override
  {
    const std::unique_ptr<CURL, EasyFree> easy(curl_easy_init());
    if (!easy) {
      return util::fail("cannot start an HTTP request");
    }
    const std::unique_ptr<curl_slist, ListFree> headers(
      curl_slist_append(nullptr, "Content-Type: application/jose+json"));
    HttpResponse response;
    std::array<char, CURL_ERROR_SIZE> error{};
    auto* handle = easy.get();
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    if (method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (method != "GET") {
      curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    if (!m_ca_file.empty()) {
      curl_easy_setopt(handle, CURLOPT_CAINFO, m_ca_file.c_str());
    }
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "Reactor-ACME/1");
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, k_timeout_ms);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, append_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error.data());
    if (const auto code = curl_easy_perform(handle); code != CURLE_OK) {
      return util::fail(url + ": " +
                        (error[0] != '\0' ? std::string(error.data()) : curl_easy_strerror(code)));
    }
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

private:
  std::filesystem::path m_ca_file;
};

} // namespace

std::unique_ptr<Transport>
make_curl_transport(std::filesystem::path ca_file)
{
  return std::make_unique<CurlTransport>(std::move(ca_file));
}

} // namespace reactor::acme
