#include "reactor/app/backends.hpp"

#include "reactor/objects/cached/disk_cache.hpp"
#include "reactor/objects/local/local_store.hpp"
#include "reactor/objects/s3/s3_store.hpp"
#include "reactor/store/postgres/postgres_store.hpp"
#include "reactor/store/sqlite/sqlite_store.hpp"

namespace reactor::app {

util::Result<std::unique_ptr<store::MetadataStore>>
open_metadata_store(const std::string& url, const std::filesystem::path& data_dir)
{
  constexpr std::string_view k_sqlite = "sqlite://";
  if (url.empty()) {
    return store::sqlite::create_store(data_dir / "reactor.db");
  }
  if (url.starts_with(k_sqlite)) {
    return store::sqlite::create_store(url.substr(k_sqlite.size()));
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return store::postgres::create_store(url);
  }
  return util::fail("--db '" + url +
                    "' is not a database URL: use sqlite:///path/to/reactor.db or "
                    "postgres://user@host:5432/db");
}

util::Result<std::unique_ptr<objects::ObjectStore>>
open_object_store(const std::string& url,
                  const std::filesystem::path& data_dir,
                  std::uint64_t cache_bytes)
{
  constexpr std::string_view k_file = "file://";
  if (url.empty()) {
    return objects::local::create_store(data_dir / "objects");
  }
  if (url.starts_with(k_file)) {
    return objects::local::create_store(url.substr(k_file.size()));
  }
  if (url.starts_with("s3://")) {
    auto remote = objects::s3::create_store(url);
    if (!remote || cache_bytes == 0) {
      return remote;
    }
    return objects::cached::create_disk_cache(
      std::move(*remote), data_dir / "cache" / "objects", cache_bytes);
  }
  return util::fail("--store '" + url +
                    "' is not an object store URL: use file:///path or "
                    "s3://bucket/prefix?endpoint=…&region=…");
}

} // namespace reactor::app
