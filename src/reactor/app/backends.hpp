#pragma once

#include "reactor/objects/object_store.hpp"
#include "reactor/store/metadata_store.hpp"
#include "reactor/util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace reactor::app {

// The metadata store named by `url`: "sqlite:///path/to.db" or "postgres://…"; an empty
// url means SQLite at <data_dir>/reactor.db. The only place that names store backends.
util::Result<std::unique_ptr<store::MetadataStore>> open_metadata_store(
  const std::string& url,
  const std::filesystem::path& data_dir);

// The object store named by `url`: "file:///path" or "s3://bucket/prefix?endpoint=…";
// an empty url means <data_dir>/objects. A remote store is read through a disk cache of
// `cache_bytes` under <data_dir>/cache/objects (0: none).
util::Result<std::unique_ptr<objects::ObjectStore>> open_object_store(
  const std::string& url,
  const std::filesystem::path& data_dir,
  std::uint64_t cache_bytes);

} // namespace reactor::app
