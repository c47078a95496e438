#pragma once

#include "reactor/store/sqlite/connection.hpp"
#include "reactor/util/error.hpp"

namespace reactor::store::sqlite {

// Brings the database's schema to this binary's version (PRAGMA user_version), in one
// transaction; refuses a database written by a newer binary.
util::Result<void> migrate(Connection& connection);

} // namespace reactor::store::sqlite
