#pragma once

// What the dependency and build caches share: each keeps its entries as folders under a
// root, each with a "size" file (its bytes, as text) and a "used" file (its last use, as
// its modification time).

#include "reactor/gc/cache_trim.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

namespace reactor::builder {

// Entries being removed are renamed to this prefix first, so that a half-removed one is
// never found; what a stopped process left with it goes at the next start.
constexpr std::string_view k_trash_prefix = "trash-";

// Creates `root` and removes what a stopped process left in it: entries being discarded,
// and folders whose names start with `staging_prefix` (when it is not empty).
void prepare_cache_root(const std::filesystem::path& root, std::string_view staging_prefix = {});

// Writes the entry's size; false when it cannot.
bool record_size(const std::filesystem::path& entry, std::uint64_t bytes);
// The size the entry recorded; 0 when it recorded none.
std::uint64_t recorded_size(const std::filesystem::path& entry);
// Records that the entry was used now.
void mark_used(const std::filesystem::path& entry);

// Renames `entry` (below `root`) out of the way, then removes it.
void discard_entry(const std::filesystem::path& root, const std::filesystem::path& entry);

// Removes the entries of `root` that `is_entry` accepts and `in_use` does not: those
// unused for `max_age`, then the least recently used until the rest fit in `max_bytes`.
gc::CacheTrim evict_entries(const std::filesystem::path& root,
                            std::uint64_t max_bytes,
                            std::chrono::seconds max_age,
                            const std::function<bool(const std::filesystem::path&)>& is_entry,
                            const std::function<bool(const std::filesystem::path&)>& in_use);

} // namespace reactor::builder
