#pragma once

#include "reactor/store/postgres/postgres_store.hpp"

#include <cstdlib>
#include <filesystem>
#include <libpq-fe.h>
#include <memory>
#include <string>

namespace reactor::store::postgres_test {

// The server the PostgreSQL tests run against; fails, saying how to get one, when unset.
inline util::Result<std::string>
server_url()
{
  const char* url = std::getenv("REACTOR_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    return util::fail("REACTOR_TEST_POSTGRES_URL is not set: run the tests under "
                      "scripts/with-postgres.sh, which starts a throwaway PostgreSQL server "
                      "(e.g. `scripts/with-postgres.sh ./build/tests/unit/unit_tests`)");
  }
  return std::string(url);
}

// Runs trusted test SQL on the server; the first value of its result ("" when none).
inline util::Result<std::string>
admin(const std::string& sql)
{
  auto url = server_url();
  if (!url) {
    return std::unexpected(url.error());
  }
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(url->c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return util::fail("cannot connect to " + *url + ": " + PQerrorMessage(connection.get()));
  }
  PQsetNoticeProcessor(connection.get(), [](void* /*unused*/, const char* /*notice*/) {}, nullptr);
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()),
                                                       &PQclear);
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return util::fail(sql + ": " + PQresultErrorMessage(result.get()));
  }
  if (status == PGRES_TUPLES_OK && PQntuples(result.get()) > 0) {
    return std::string(PQgetvalue(result.get(), 0, 0));
  }
  return std::string();
}

// A schema name made of [a-z0-9_] only, so it needs no quoting. Letters are lower-cased
// rather than dropped: the mixed-case suffix of a temporary directory keeps tests apart.
inline std::string
schema_name(std::string_view seed)
{
  std::string name = "t_";
  for (char c : seed) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    name += keep ? c : '_';
  }
  return name.substr(0, 63);
}

// Creates the schema if missing; the URL of a store that lives in it. Its connections
// carry the schema as application_name, so a test can find them in pg_stat_activity.
inline util::Result<std::string>
schema_url(const std::string& schema)
{
  auto url = server_url();
  if (!url) {
    return std::unexpected(url.error());
  }
  if (auto created = admin("CREATE SCHEMA IF NOT EXISTS " + schema); !created) {
    return std::unexpected(created.error());
  }
  auto separator = url->find('?') == std::string::npos ? "?" : "&";
  return *url + separator + "options=-csearch_path%3D" + schema + "&application_name=" + schema;
}

// The suite's factory: each test's directory maps to its own schema.
inline util::Result<std::unique_ptr<MetadataStore>>
open_store(const std::filesystem::path& path, Clock clock)
{
  auto url = schema_url(schema_name(path.parent_path().filename().string()));
  if (!url) {
    return std::unexpected(url.error());
  }
  return postgres::create_store(*url, std::move(clock));
}

inline void
drop_store(const std::filesystem::path& path)
{
  (void)admin("DROP SCHEMA IF EXISTS " + schema_name(path.parent_path().filename().string()) +
              " CASCADE");
}

} // namespace reactor::store::postgres_test
