#include "reactor/core/repo_url.hpp"

#include "reactor/core/host_address.hpp"
#include "reactor/util/text.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

namespace reactor::core {

namespace {

constexpr std::size_t k_max_url_length = 2048;
constexpr std::size_t k_max_ref_length = 255;

bool
has_control_or_space(std::string_view text)
{
  return std::ranges::any_of(text, [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
}

bool
is_loopback_name(const std::string& name)
{
  return name == "localhost" || name.ends_with(".localhost");
}

} // namespace

util::Result<std::string>
check_url_host(const boost::urls::url_view& url, std::string_view field, bool allow_local)
{
  namespace ip = boost::asio::ip;
  std::optional<ip::address> address;
  if (url.host_type() == boost::urls::host_type::ipv6) {
    address = ip::address_v6(url.host_ipv6_address().to_bytes());
  } else if (url.host_type() == boost::urls::host_type::ipvfuture) {
    return util::fail(std::string(field) + " host " + std::string(url.encoded_host()) +
                      " is not an address Reactor can reach: give a host name");
  } else {
    std::string name = util::ascii_lowercase(url.encoded_host());
    if (name.find('%') != std::string::npos) {
      return util::fail(std::string(field) + " host must not be percent-encoded: write '" +
                        std::string(url.host()) + "' as plain text");
    }
    if (name.ends_with('.')) {
      return util::fail(std::string(field) + " host '" + name + "' must not end with a dot");
    }
    if (is_loopback_name(name)) {
      if (allow_local) {
        return name;
      }
      return util::fail(std::string(field) + " points at this machine (" + name +
                        "); local addresses are allowed only with --allow-local-repos");
    }
    auto numeric = parse_numeric_ipv4(name);
    if (!numeric) {
      return std::unexpected(numeric.error());
    }
    if (!*numeric) {
      return name;
    }
    address = **numeric;
  }
  if (auto refused = refused_address(*address, allow_local)) {
    return util::fail(std::string(field) + " host " + std::string(url.encoded_host()) +
                      " is refused: " + *refused);
  }
  return address->to_string();
}

util::Result<std::string>
validate_repo_url(std::string_view url, bool allow_local)
{
  if (url.empty()) {
    return util::fail("repoUrl is empty: give the URL of a public Git repository, e.g. "
                      "https://github.com/owner/app.git");
  }
  if (url.size() > k_max_url_length) {
    return util::fail("repoUrl is longer than 2048 characters");
  }
  if (url.front() == '-') {
    return util::fail("repoUrl must not start with '-'");
  }
  if (has_control_or_space(url)) {
    return util::fail("repoUrl contains spaces or control characters");
  }
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    return util::fail("repoUrl is not a URL: give an https URL such as "
                      "https://github.com/owner/app.git (SSH addresses like git@host:owner/app "
                      "are not supported)");
  }
  const std::string scheme = util::ascii_lowercase(parsed->scheme());
  if (scheme == "file") {
    if (!allow_local) {
      return util::fail("file:// repository URLs are not allowed on this server (start it with "
                        "--allow-local-repos for development)");
    }
    if (parsed->path().empty()) {
      return util::fail("repoUrl has no path");
    }
    return std::string(url);
  }
  if (scheme != "https" && scheme != "http" && scheme != "git") {
    return util::fail("repoUrl scheme '" + scheme + "' is not supported: use https, http or git");
  }
  if (!parsed->has_authority() || parsed->host().empty()) {
    return util::fail("repoUrl has no host");
  }
  if (!is_whole_authority(url, parsed->encoded_authority())) {
    return util::fail("repoUrl host is not a valid host name or address: give a URL like "
                      "https://github.com/owner/app.git");
  }
  if (parsed->has_userinfo()) {
    return util::fail("repoUrl must not contain credentials: Reactor clones public repositories");
  }
  if (auto host = check_url_host(*parsed, "repoUrl", allow_local); !host) {
    return std::unexpected(host.error());
  }
  return std::string(url);
}

util::Result<std::string>
validate_ref(std::string_view ref)
{
  if (ref.empty() || ref.size() > k_max_ref_length) {
    return util::fail("ref must be a branch, tag or commit name of 1 to 255 characters");
  }
  const bool bad_char = std::ranges::any_of(ref, [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f || c == '~' || c == '^' || c == ':' || c == '?' ||
           c == '*' || c == '[' || c == '\\';
  });
  if (bad_char || ref.front() == '-' || ref.front() == '/' || ref.back() == '/' ||
      ref.back() == '.' || ref.find("..") != std::string_view::npos ||
      ref.find("@{") != std::string_view::npos || ref.find("//") != std::string_view::npos ||
      ref.ends_with(".lock")) {
    return util::fail("ref '" + std::string(ref) + "' is not a valid branch, tag or commit name");
  }
  return std::string(ref);
}

} // namespace reactor::core
