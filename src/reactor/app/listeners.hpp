#pragma once

// The listeners' addresses and the HTTPS side (certificates, ACME) as serve's flags set
// them up.

#include "reactor/acme/manager.hpp"
#include "reactor/app/serve.hpp"
#include "reactor/tls/certificate_store.hpp"
#include "reactor/util/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace reactor::app {

struct ListenAddress
{
  std::string host;
  std::uint16_t port = 0;
};

// HOST:PORT (or [IPv6]:PORT); `flag` names the setting in messages.
util::Result<ListenAddress> parse_listen(const std::string& text, const std::string& flag);

// The HTTPS listener's address and certificates.
struct Https
{
  ListenAddress listen;
  std::unique_ptr<tls::CertificateStore> certificates;
};

// The HTTPS side as the flags set it up, its certificates watched and stapled: nullopt
// without --listen-https; fails when a flag is missing or the certificate or key cannot be
// used.
util::Result<std::optional<Https>> open_https(const ServeOptions& options);

// ACME's settings from the flags; this node named by host and process for the lease.
acme::Settings acme_settings(const ServeOptions& options);

} // namespace reactor::app
