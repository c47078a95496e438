#include "reactor/app/listeners.hpp"

#include <array>
#include <unistd.h>

namespace reactor::app {

namespace {

// How often the certificate files are checked for changes (SIGHUP reloads at once).
constexpr std::chrono::seconds k_certificate_check{ 10 };

// Why the ACME flags cannot work as given; empty when they can.
std::string
acme_problem(const ServeOptions& options)
{
  const bool acme = !options.acme_email.empty();
  if (!acme && (!options.acme_ca_file.empty() || !options.dns01_hook.empty())) {
    return "--acme-ca-file and --dns01-hook are for ACME: add --acme-email <address> to "
           "turn it on";
  }
  if (acme && options.listen_https.empty()) {
    return "--acme-email obtains certificates for HTTPS: add --listen-https, e.g. "
           "--listen-https 0.0.0.0:443";
  }
  if (!options.dns01_hook.empty() && ::access(options.dns01_hook.c_str(), X_OK) != 0) {
    return "--dns01-hook " + options.dns01_hook.string() + " is not an executable file";
  }
  return {};
}

} // namespace

util::Result<ListenAddress>
parse_listen(const std::string& text, const std::string& flag)
{
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return util::fail(flag + " '" + text + "' must be HOST:PORT, e.g. 127.0.0.1:3000");
  }
  std::string host = text.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return util::fail(flag + " '" + text + "' has no valid port");
  }
  return ListenAddress{ host.empty() ? "0.0.0.0" : host, static_cast<std::uint16_t>(port) };
}

util::Result<std::optional<Https>>
open_https(const ServeOptions& options)
{
  if (auto problem = acme_problem(options); !problem.empty()) {
    return util::fail(std::move(problem));
  }
  if (options.listen_https.empty()) {
    if (!options.tls_cert.empty() || !options.tls_key.empty() || options.hsts) {
      return util::fail("--tls-cert, --tls-key and --hsts are for --listen-https: give it "
                        "too, e.g. --listen-https 0.0.0.0:443");
    }
    return std::nullopt;
  }
  const bool files = !options.tls_cert.empty() || !options.tls_key.empty();
  if (options.tls_cert.empty() != options.tls_key.empty() ||
      (!files && options.acme_email.empty())) {
    return util::fail("--listen-https needs --tls-cert (PEM certificate chain) and --tls-key "
                      "(PEM private key), or --acme-email to obtain certificates over ACME");
  }
  auto listen = parse_listen(options.listen_https, "--listen-https");
  if (!listen) {
    return std::unexpected(std::move(listen.error()));
  }
  auto certificates = tls::CertificateStore::open(
    files ? std::optional<tls::CertificateFiles>({ options.tls_cert, options.tls_key })
          : std::nullopt);
  if (!certificates) {
    return std::unexpected(std::move(certificates.error()));
  }
  (*certificates)->watch(k_certificate_check);
  (*certificates)->start_stapling();
  return Https{ *listen, std::move(*certificates) };
}

acme::Settings
acme_settings(const ServeOptions& options)
{
  std::array<char, 256> host{};
  ::gethostname(host.data(), host.size() - 1);
  return { .directory_url = options.acme_directory,
           .email = options.acme_email,
           .ca_file = options.acme_ca_file,
           .dns01_hook = options.dns01_hook.empty()
                           ? std::vector<std::string>{}
                           : std::vector<std::string>{ options.dns01_hook.string() },
           .challenge = options.acme_challenge == "tls-alpn-01" ? acme::ChallengeType::tls_alpn01
                                                                : acme::ChallengeType::http01,
           .domain = options.domain,
           .node = std::string(host.data()) + "/" + std::to_string(::getpid()) };
}

} // namespace reactor::app
