#include "reactor/builder/registry.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <curl/curl.h>
#include <memory>
#include <mutex>

namespace reactor::builder {

namespace {

constexpr std::size_t k_max_metadata_bytes = 64ULL << 20;
constexpr long k_connect_timeout_ms = 10'000;

struct EasyDeleter
{
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};

struct ListDeleter
{
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

struct DigestDeleter
{
  void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
};

struct FileCloser
{
  void operator()(std::FILE* file) const noexcept { static_cast<void>(std::fclose(file)); }
};

// Where a transfer's bytes go: memory, or a file with its running SHA-512.
struct Sink
{
  std::string* text = nullptr;
  std::FILE* file = nullptr;
  EVP_MD_CTX* digest = nullptr;
  std::uint64_t limit = 0;
  std::uint64_t received = 0;
  bool too_large = false;
};

std::size_t
receive(char* data, std::size_t size, std::size_t count, void* user)
{
  auto& sink = *static_cast<Sink*>(user);
  const std::size_t bytes = size * count;
  sink.received += bytes;
  if (sink.received > sink.limit) {
    sink.too_large = true;
    return 0;
  }
  if (sink.text != nullptr) {
    sink.text->append(data, bytes);
    return bytes;
  }
  if (EVP_DigestUpdate(sink.digest, data, bytes) != 1) {
    return 0;
  }
  return std::fwrite(data, 1, bytes, sink.file);
}

// GETs `url` into `sink`; fails unless the answer is 200 and whole.
util::Result<void>
get(const std::string& url, Sink& sink, std::chrono::seconds timeout, bool abbreviated)
{
  static std::once_flag initialised;
  std::call_once(initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) {
    return util::fail("cannot start a download of " + url);
  }
  std::unique_ptr<curl_slist, ListDeleter> headers;
  if (abbreviated) {
    headers.reset(curl_slist_append(nullptr, "Accept: application/vnd.npm.install-v1+json"));
  }
  std::array<char, CURL_ERROR_SIZE> error{};
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy.get(), CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(easy.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT_MS, k_connect_timeout_ms);
  curl_easy_setopt(
    easy.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(std::chrono::milliseconds(timeout).count()));
  curl_easy_setopt(easy.get(), CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, receive);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, error.data());
  const auto code = curl_easy_perform(easy.get());
  if (sink.too_large) {
    return util::fail(url + " is larger than " + std::to_string(sink.limit) + " bytes");
  }
  if (code != CURLE_OK) {
    return util::fail("cannot download " + url + ": " +
                      (error[0] != '\0' ? std::string(error.data()) : curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return util::fail(url + " answered HTTP " + std::to_string(status));
  }
  return {};
}

std::string
base64(const unsigned char* bytes, std::size_t size)
{
  std::string text(4 * ((size + 2) / 3), '\0');
  const int written =
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes, static_cast<int>(size));
  text.resize(static_cast<std::size_t>(written));
  return text;
}

std::string
string_at(const boost::json::object& object, std::string_view key)
{
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

} // namespace

util::Result<std::vector<PackageVersion>>
parse_package_versions(std::string_view json)
{
  boost::system::error_code ec;
  const auto document = boost::json::parse(json, ec);
  const auto* versions =
    !ec && document.is_object() ? document.get_object().if_contains("versions") : nullptr;
  if (versions == nullptr || !versions->is_object()) {
    return util::fail("the registry's answer is not package metadata with versions");
  }
  std::vector<PackageVersion> found;
  for (const auto& [key, value] : versions->get_object()) {
    const auto version = util::semver::parse_version(key);
    const auto* manifest = value.if_object();
    const auto* dist = manifest != nullptr ? manifest->if_contains("dist") : nullptr;
    if (!version || dist == nullptr || !dist->is_object()) {
      continue;
    }
    PackageVersion entry{ *version,
                          string_at(dist->get_object(), "tarball"),
                          string_at(dist->get_object(), "integrity"),
                          {} };
    if (const auto* engines = manifest->if_contains("engines");
        engines != nullptr && engines->is_object()) {
      entry.engines_node = string_at(engines->get_object(), "node");
    }
    if (entry.tarball.starts_with("https://") && entry.integrity.starts_with("sha512-")) {
      found.push_back(std::move(entry));
    }
  }
  return found;
}

util::Result<std::vector<PackageVersion>>
fetch_package_versions(std::string_view registry,
                       std::string_view name,
                       std::chrono::seconds timeout)
{
  std::string text;
  Sink sink{ .text = &text, .limit = k_max_metadata_bytes };
  const auto url = std::string(registry) + "/" + std::string(name);
  if (auto got = get(url, sink, timeout, true); !got) {
    return std::unexpected(std::move(got.error()));
  }
  auto versions = parse_package_versions(text);
  if (!versions) {
    return util::fail(url + ": " + versions.error().message);
  }
  return versions;
}

util::Result<void>
download_tarball(const PackageVersion& version,
                 const std::filesystem::path& file,
                 std::uint64_t max_bytes,
                 std::chrono::seconds timeout)
{
  const std::unique_ptr<EVP_MD_CTX, DigestDeleter> digest(EVP_MD_CTX_new());
  std::unique_ptr<std::FILE, FileCloser> out(std::fopen(file.c_str(), "wb"));
  if (!digest || EVP_DigestInit_ex(digest.get(), EVP_sha512(), nullptr) != 1 || !out) {
    return util::fail("cannot write " + file.string());
  }
  Sink sink{ .file = out.get(), .digest = digest.get(), .limit = max_bytes };
  auto got = get(version.tarball, sink, timeout, false);
  const bool closed = std::fclose(out.release()) == 0;
  std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
  unsigned int length = 0;
  std::string failure;
  if (!got) {
    failure = got.error().message;
  } else if (!closed) {
    failure = "cannot write " + file.string();
  } else if (EVP_DigestFinal_ex(digest.get(), hash.data(), &length) != 1 ||
             "sha512-" + base64(hash.data(), length) != version.integrity) {
    failure = version.tarball + " does not match its published integrity";
  }
  if (!failure.empty()) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    return util::fail(std::move(failure));
  }
  return {};
}

} // namespace reactor::builder
