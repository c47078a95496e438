#pragma once

// The ways Reactor proves control of a name: DNS-01 through the operator's hook, and
// HTTP-01 and TLS-ALPN-01 through answers in the store, which every node serves.

#include "reactor/acme/issue.hpp"
#include "reactor/store/metadata_store.hpp"
#include "reactor/tls/pem_context.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::acme {

// DNS-01 through `hook` (a command and its leading arguments, run without a shell), called
// as lego's exec provider is: `present <fqdn> <value>`, then `cleanup <fqdn> <value>`, the
// fqdn being "_acme-challenge.<name>." and the value the TXT record's content.
std::unique_ptr<Solver> make_dns01_hook_solver(std::vector<std::string> hook);

// HTTP-01: the key authorization stored under its token for every node to answer
// /.well-known/acme-challenge/<token> with.
std::unique_ptr<Solver> make_http01_store_solver(store::MetadataStore& store);

// Whether `token` can be an HTTP-01 token (base64url, RFC 8555 §8.1); only such keys of the
// store are answered over HTTP.
bool is_http01_token(std::string_view token);

// TLS-ALPN-01: the key authorization stored under the name, for every node's HTTPS listener
// to answer the CA's "acme-tls/1" handshake with (tls_alpn01_answer).
std::unique_ptr<Solver> make_tls_alpn01_store_solver(store::MetadataStore& store);

// The certificate that answers a TLS-ALPN-01 validation of `name`, made from the key
// authorization stored for it; nothing when none is (or the store cannot say).
std::optional<tls::PemCertificate> tls_alpn01_answer(store::MetadataStore& store,
                                                     const std::string& name);

// The TXT record value of a DNS-01 challenge (RFC 8555 §8.4): base64url(SHA-256).
std::string dns01_value(const std::string& key_authorization);

} // namespace reactor::acme
