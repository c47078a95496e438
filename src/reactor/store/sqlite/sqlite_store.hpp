#pragma once

#include "reactor/store/metadata_store.hpp"

#include <filesystem>
#include <memory>

namespace reactor::store::sqlite {

// Opens (creating and migrating as needed) the SQLite database at `path`, in WAL mode;
// the store reads the time from `clock`.
util::Result<std::unique_ptr<MetadataStore>> create_store(const std::filesystem::path& path,
                                                          Clock clock = wall_clock_ms);

} // namespace reactor::store::sqlite
