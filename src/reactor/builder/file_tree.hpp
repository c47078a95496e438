#pragma once

#include "reactor/util/error.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace reactor::builder {

// What directory_inside does with a component that does not exist.
enum class Missing
{
  fail,
  create,
};

// `root`/`relative` when every component of `relative` (a '/'-separated path without "..")
// is a real directory, never a symbolic link; fails naming the component that is not, or
// that does not exist unless `missing` says to create it.
util::Result<std::filesystem::path> directory_inside(const std::filesystem::path& root,
                                                     std::string_view relative,
                                                     Missing missing = Missing::fail);

// The bytes allocated on disk below `root` (root included), each inode counted once, without
// following symbolic links or entering another filesystem mounted below it. Stops early once the
// total is above `stop_above` (0: never).
std::uint64_t allocated_bytes(const std::filesystem::path& root, std::uint64_t stop_above = 0);

// Copies the tree at `from` to `to`, which must not exist: directories, regular files (with
// their permission bits) and symbolic links (as links, never followed); other files are
// left out. Fails when `from` is not a real directory, on an I/O error, or once the files'
// sizes add up to more than `max_bytes` (0: no limit; a sparse file counts at its full
// size, as a copy would write it). Returns the bytes allocated by the copy.
util::Result<std::uint64_t> copy_tree(const std::filesystem::path& from,
                                      const std::filesystem::path& to,
                                      std::uint64_t max_bytes = 0);

// The folder below `root`, relative to it (at most three levels down; never node_modules,
// a dot-folder or a link), whose index.html was modified at or after `since`, the most
// recently written first; empty when there is none.
std::string newest_site_folder(const std::filesystem::path& root,
                               std::filesystem::file_time_type since);

// The whole content of a file; empty when it cannot be read.
std::string read_text(const std::filesystem::path& file);

// Removes a tree, also one whose directories a build made unwritable, never crossing into
// another filesystem mounted inside it. Returns false when it stopped early because `stop`
// became true (what is left stays), true otherwise.
bool remove_tree(const std::filesystem::path& root, const std::atomic<bool>* stop = nullptr);

} // namespace reactor::builder
