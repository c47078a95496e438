#pragma once

#include "reactor/net/http_message.hpp"
#include "reactor/store/metadata_store.hpp"

namespace reactor::api {

// GET /admin/certificates: {"certificates": [{names, state, notAfter, lastError,
// nextAttempt}]}, the certificates obtained over ACME and how their orders stand.
net::Response list_certificates(store::MetadataStore& store);

} // namespace reactor::api
