#pragma once

#include "reactor/core/error.hpp"
#include "reactor/store/postgres/connection.hpp"

namespace reactor::store::postgres {

// Brings the schema to this binary's version, in one transaction under an advisory lock
// (several processes may start at once); refuses a schema written by a newer binary.
core::Result<void> migrate(Connection& connection);

} // namespace reactor::store::postgres
