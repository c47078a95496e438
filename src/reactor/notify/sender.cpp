#include "reactor/notify/sender.hpp"

#include "reactor/core/host_address.hpp"

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstring>
#include <curl/curl.h>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <sys/socket.h>

namespace reactor::notify {

namespace {

struct EasyDeleter
{
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};

struct ListDeleter
{
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

// What the socket callback needs, and what it found.
struct Guard
{
  bool allow_loopback = false;
  std::optional<std::string> refused; // why the address was refused
};

std::optional<boost::asio::ip::address>
address_of(const curl_sockaddr& socket_address)
{
  if (socket_address.family == AF_INET) {
    sockaddr_in ipv4{};
    std::memcpy(&ipv4, &socket_address.addr, sizeof ipv4);
    return boost::asio::ip::address_v4(ntohl(ipv4.sin_addr.s_addr));
  }
  if (socket_address.family == AF_INET6) {
    sockaddr_in6 ipv6{};
    std::memcpy(&ipv6, &socket_address.addr, sizeof ipv6);
    boost::asio::ip::address_v6::bytes_type bytes{};
    std::memcpy(bytes.data(), &ipv6.sin6_addr, bytes.size());
    return boost::asio::ip::address_v6(bytes);
  }
  return std::nullopt;
}

// Opens the socket only for an address Reactor may connect to.
curl_socket_t
open_checked_socket(void* user, curlsocktype /*purpose*/, curl_sockaddr* socket_address)
{
  auto& guard = *static_cast<Guard*>(user);
  const auto address = address_of(*socket_address);
  if (!address) {
    guard.refused = "not an IP address";
    return CURL_SOCKET_BAD;
  }
  if (auto refused = core::refused_address(*address, guard.allow_loopback)) {
    guard.refused = std::move(*refused);
    return CURL_SOCKET_BAD;
  }
  return ::socket(socket_address->family, socket_address->socktype, socket_address->protocol);
}

std::size_t
discard(char* /*data*/, std::size_t size, std::size_t count, void* /*user*/)
{
  return size * count;
}

} // namespace

SendResult
post_json(const std::string& url,
          const std::vector<std::string>& headers,
          const std::string& body,
          bool allow_loopback,
          std::chrono::seconds timeout)
{
  static std::once_flag initialised;
  std::call_once(initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) {
    return { 0, "cannot start an HTTP request" };
  }
  std::unique_ptr<curl_slist, ListDeleter> list(
    curl_slist_append(nullptr, "Content-Type: application/json"));
  for (const auto& header : headers) {
    list.reset(curl_slist_append(list.release(), header.c_str()));
  }
  Guard guard{ .allow_loopback = allow_loopback };
  std::array<char, CURL_ERROR_SIZE> error{};
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(easy.get(), CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(easy.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_USERAGENT, "Reactor-Notifications/1");
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count() * 1000));
  curl_easy_setopt(easy.get(), CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
  curl_easy_setopt(easy.get(), CURLOPT_OPENSOCKETDATA, &guard);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, error.data());
  const auto code = curl_easy_perform(easy.get());
  if (guard.refused) {
    return { 0, "refused: " + *guard.refused };
  }
  if (code != CURLE_OK) {
    return { 0, error[0] != '\0' ? std::string(error.data()) : curl_easy_strerror(code) };
  }
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  return { status, "" };
}

} // namespace reactor::notify
