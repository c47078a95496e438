#pragma once

#include "reactor/tls/context.hpp"

#include <string>

namespace reactor::tls {

// A server context (make_server_context's settings) serving a PEM chain (leaf first) and
// its PEM key held in memory, as certificates from the store are; fails when either does
// not read or the key does not belong to the leaf.
util::Result<Context> make_pem_context(const std::string& chain_pem, const std::string& key_pem);

} // namespace reactor::tls
