#pragma once

#include "reactor/store/postgres/connection.hpp"
#include "reactor/util/error.hpp"

namespace reactor::store::postgres {

// Brings the schema to this binary's version, in one transaction under an advisory lock
// (several processes may start at once); refuses a schema written by a newer binary.
util::Result<void> migrate(Connection& connection);

} // namespace reactor::store::postgres
