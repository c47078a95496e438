#pragma once

#include "reactor/store/metadata_store.hpp"

#include <memory>
#include <string>

namespace reactor::store::postgres {

// Connects to the PostgreSQL server at `url` (a libpq URI, `postgres://user@host:port/db`),
// creating and migrating the schema as needed; the store reads the time from `clock`.
// Fails when the server cannot be reached.
util::Result<std::unique_ptr<MetadataStore>> create_store(const std::string& url,
                                                          Clock clock = wall_clock_ms);

} // namespace reactor::store::postgres
