#pragma once

#include "reactor/util/error.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::objects {

using util::Result;

struct ObjectInfo
{
  std::string key;
  std::uint64_t size = 0;
  std::chrono::system_clock::time_point modified; // when it was last written
};

// Immutable objects by key ("blobs/<sha256>", "manifests/<id>.json"). Every method is
// safe to call from any thread.
class ObjectStore
{
public:
  virtual ~ObjectStore() = default;

  // Stores the bytes under key. Readers see the old object or the new one, never part.
  virtual Result<void> put(std::string_view key, std::string_view bytes) = 0;

  // Stores a local file's content under key, with the same atomicity as put().
  virtual Result<void> put_file(std::string_view key, const std::filesystem::path& file) = 0;

  // The object's bytes; nullopt when absent.
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;

  virtual Result<bool> exists(std::string_view key) = 0;

  // The object's size and modification time; nullopt when absent.
  virtual Result<std::optional<ObjectInfo>> stat(std::string_view key) = 0;

  // Every object whose key starts with `prefix` ("blobs/"), unfinished writes included, in
  // no particular order.
  virtual Result<std::vector<ObjectInfo>> list(std::string_view prefix) = 0;

  // Removes the object; succeeds when it is absent already.
  virtual Result<void> remove(std::string_view key) = 0;

  // Removes the object unless it was written again after `modified` (the time a listing
  // showed), so a sweep never deletes what a writer has just put back. True when removed.
  virtual Result<bool> remove_if_unchanged(std::string_view key,
                                           std::chrono::system_clock::time_point modified) = 0;

  // An open, read-only descriptor of the object when it is a file on this machine (so it
  // can be sent with sendfile); -1 when the backend has no such file or it is absent.
  virtual int open_file(std::string_view /*key*/) { return -1; }
};

} // namespace reactor::objects
