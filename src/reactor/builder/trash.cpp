#include "reactor/builder/trash.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/util/log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

namespace reactor::builder {

namespace fs = std::filesystem;

Trash::Trash(fs::path dir, std::size_t max_waiting)
  : m_dir(std::move(dir))
  , m_max_waiting(std::max<std::size_t>(1, max_waiting))
{
  std::error_code ec;
  fs::create_directories(m_dir, ec);
  for (fs::directory_iterator it(m_dir, ec), end; !ec && it != end; it.increment(ec)) {
    m_waiting.push_back(it->path());
  }
  m_remover = std::thread([this] { remove_waiting(); });
}

Trash::~Trash()
{
  {
    const std::lock_guard lock(m_mutex);
    m_stopping.store(true);
  }
  m_changed.notify_all();
  m_remover.join();
}

void
Trash::discard(const fs::path& path)
{
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) {
    return;
  }
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_waiting.size() < m_max_waiting || m_stopping.load(); });
  const auto target = m_dir / core::new_deployment_id();
  if (::rename(path.c_str(), target.c_str()) != 0) {
    const auto reason = std::error_code(errno, std::generic_category()).message();
    lock.unlock();
    util::log::warn(
      "build.trash_unusable",
      { { "path", path.string() }, { "error", reason }, { "effect", "deleted in place" } });
    remove_tree(path);
    return;
  }
  m_waiting.push_back(target);
  lock.unlock();
  m_changed.notify_all();
}

void
Trash::wait_until_empty()
{
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_waiting.empty() || m_stopping.load(); });
}

void
Trash::remove_waiting()
{
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_changed.wait(lock, [this] { return !m_waiting.empty() || m_stopping.load(); });
    if (m_stopping.load()) {
      return;
    }
    const auto next = m_waiting.front();
    lock.unlock();
    const bool removed = remove_tree(next, &m_stopping);
    lock.lock();
    if (!removed) {
      return; // stopping
    }
    m_waiting.pop_front();
    m_changed.notify_all();
  }
}

} // namespace reactor::builder
