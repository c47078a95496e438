#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

namespace reactor::builder {

// Folders to delete, moved out of the way at once (a rename) and deleted on one thread
// of the trash's own, so that no worker waits for a large node_modules to go before it
// takes the next job. At most `max_waiting` folders are in the trash at once: discarding
// one more waits until the remover has deleted one, so the trash can never hold more than
// that many workspaces' worth of disk.
class Trash
{
public:
  // Uses `dir` (created), which must be on the same filesystem as the folders discarded;
  // what an earlier process left in it is deleted first, in the background.
  Trash(std::filesystem::path dir, std::size_t max_waiting);
  Trash(const Trash&) = delete;
  Trash& operator=(const Trash&) = delete;
  // Stops the remover, also in the middle of a folder; what is left is deleted at the
  // next start.
  ~Trash();

  // Moves `path` into the trash (nothing when it does not exist), waiting while the trash
  // is full; deletes it in place when it cannot be moved (e.g. another filesystem).
  void discard(const std::filesystem::path& path);

  // Waits until the trash is empty.
  void wait_until_empty();

private:
  void remove_waiting();

  const std::filesystem::path m_dir;
  const std::size_t m_max_waiting;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::filesystem::path> m_waiting; // the first is being deleted
  std::atomic<bool> m_stopping{ false };
  std::thread m_remover;
};

} // namespace reactor::builder
