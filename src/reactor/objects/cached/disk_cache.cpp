#include "reactor/objects/cached/disk_cache.hpp"

#include "reactor/objects/local/local_store.hpp"

#include <list>
#include <mutex>
#include <tuple>
#include <unordered_map>

namespace reactor::objects::cached {

namespace {

class DiskCache final : public ObjectStore
{
public:
  DiskCache(std::unique_ptr<ObjectStore> inner,
            std::unique_ptr<ObjectStore> local,
            std::filesystem::path directory,
            std::uint64_t max_bytes)
    : m_inner(std::move(inner))
    , m_local(std::move(local))
    , m_directory(std::move(directory))
    , m_max_bytes(max_bytes)
  {
  }

  Result<void> put(std::string_view key, std::string_view bytes) override
  {
    return m_inner->put(key, bytes);
  }

  Result<void> put_file(std::string_view key, const std::filesystem::path& file) override
  {
    return m_inner->put_file(key, file);
  }

  Result<std::optional<std::string>> get(std::string_view key) override
  {
    if (auto cached = m_local->get(key); cached) {
      if (const auto& content = *cached) {
        touch(std::string(key), content->size());
        return cached;
      }
    }
    auto fetched = m_inner->get(key);
    if (fetched) {
      const auto& content = *fetched;
      // A failed cache write only costs a later fetch.
      if (content && content->size() <= m_max_bytes && m_local->put(key, *content)) {
        touch(std::string(key), content->size());
      }
    }
    return fetched;
  }

  Result<bool> exists(std::string_view key) override
  {
    if (auto cached = m_local->exists(key); cached && *cached) {
      return true;
    }
    return m_inner->exists(key);
  }

  Result<std::optional<ObjectInfo>> stat(std::string_view key) override
  {
    return m_inner->stat(key);
  }

  Result<std::vector<ObjectInfo>> list(std::string_view prefix) override
  {
    return m_inner->list(prefix);
  }

  Result<void> remove(std::string_view key) override
  {
    forget(std::string(key));
    return m_inner->remove(key);
  }

  Result<bool> remove_if_unchanged(std::string_view key,
                                   std::chrono::system_clock::time_point modified) override
  {
    auto removed = m_inner->remove_if_unchanged(key, modified);
    if (removed && *removed) {
      forget(std::string(key));
    }
    return removed;
  }

  // Counts what a previous run left in the directory, so a restart starts warm.
  void adopt_existing_files()
  {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(m_directory, ec);
         !ec && it != std::filesystem::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec) && !ec) {
        const auto key = std::filesystem::relative(it->path(), m_directory, ec).generic_string();
        if (!ec && key.find(".tmp") == std::string::npos) {
          touch(key, it->file_size(ec));
        }
      }
    }
  }

  int open_file(std::string_view key) override { return m_local->open_file(key); }

private:
  // Marks the key most recently used and evicts the oldest past the budget.
  void touch(const std::string& key, std::uint64_t size)
  {
    std::scoped_lock lock(m_mutex);
    if (const auto found = m_entries.find(key); found != m_entries.end()) {
      m_order.splice(m_order.begin(), m_order, found->second.position);
      return;
    }
    m_order.push_front(key);
    m_entries.emplace(key, Entry{ size, m_order.begin() });
    m_bytes += size;
    while (m_bytes > m_max_bytes && m_order.size() > 1) {
      const std::string oldest = m_order.back();
      m_order.pop_back();
      m_bytes -= m_entries.at(oldest).size;
      m_entries.erase(oldest);
      std::error_code ignored;
      std::filesystem::remove(m_directory / oldest, ignored);
    }
  }

  void forget(const std::string& key)
  {
    std::scoped_lock lock(m_mutex);
    if (const auto found = m_entries.find(key); found != m_entries.end()) {
      m_bytes -= found->second.size;
      m_order.erase(found->second.position);
      m_entries.erase(found);
    }
    std::ignore = m_local->remove(key);
  }

  struct Entry
  {
    std::uint64_t size = 0;
    std::list<std::string>::iterator position;
  };

  std::unique_ptr<ObjectStore> m_inner;
  std::unique_ptr<ObjectStore> m_local;
  const std::filesystem::path m_directory;
  const std::uint64_t m_max_bytes;
  std::mutex m_mutex;
  std::list<std::string> m_order; // most recently used first
  std::unordered_map<std::string, Entry> m_entries;
  std::uint64_t m_bytes = 0;
};

} // namespace

std::unique_ptr<ObjectStore>
create_disk_cache(std::unique_ptr<ObjectStore> inner,
                  const std::filesystem::path& directory,
                  std::uint64_t max_bytes)
{
  auto local = local::create_store(directory);
  if (!local) {
    return inner; // no usable cache directory: serve from the store directly
  }
  auto cache =
    std::make_unique<DiskCache>(std::move(inner), std::move(*local), directory, max_bytes);
  cache->adopt_existing_files();
  return cache;
}

} // namespace reactor::objects::cached
