#pragma once

// The two ways Reactor proves control of a name: DNS-01 through the operator's hook, and
// HTTP-01 through answers in the store, which every node serves.

#include "reactor/acme/issue.hpp"
#include "reactor/store/metadata_store.hpp"

#include <memory>
#include <string>
#include <vector>

namespace reactor::acme {

// DNS-01 through `hook` (a command and its leading arguments, run without a shell), called
// as lego's exec provider is: `present <fqdn> <value>`, then `cleanup <fqdn> <value>`, the
// fqdn being "_acme-challenge.<name>." and the value the TXT record's content.
std::unique_ptr<Solver> make_dns01_hook_solver(std::vector<std::string> hook);

// HTTP-01: the key authorization stored under its token for every node to answer
// /.well-known/acme-challenge/<token> with.
std::unique_ptr<Solver> make_http01_store_solver(store::MetadataStore& store);

// The TXT record value of a DNS-01 challenge (RFC 8555 §8.4): base64url(SHA-256).
std::string dns01_value(const std::string& key_authorization);

} // namespace reactor::acme
