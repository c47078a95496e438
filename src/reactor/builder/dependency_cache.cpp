#include "reactor/builder/dependency_cache.hpp"

#include "reactor/builder/cache_entries.hpp"
#include "reactor/builder/detect.hpp"
#include "reactor/builder/file_tree.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/util/sha256.hpp"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>

namespace reactor::builder {

namespace fs = std::filesystem;

namespace {

constexpr int k_max_scan_depth = 8;
constexpr std::size_t k_max_scanned_dirs = 20'000;
constexpr std::string_view k_tmp_prefix = "tmp-";

// Yarn Plug'n'Play leaves these next to package.json instead of node_modules.
constexpr std::string_view k_pnp_files[] = { ".pnp.cjs",
                                             ".pnp.loader.mjs",
                                             ".pnp.data.json",
                                             ".yarn/install-state.gz" };
constexpr std::string_view k_pnp_dirs[] = { ".yarn/cache", ".yarn/unplugged" };

bool
is_real_dir(const fs::path& path)
{
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(path, ec));
}

bool
is_real_file(const fs::path& path)
{
  std::error_code ec;
  return fs::is_regular_file(fs::symlink_status(path, ec));
}

bool
exists_at_all(const fs::path& path)
{
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

// Visits the real folders below `root` (breadth first, never into .git, never following
// links); `visit` returns false to not descend into a folder.
template<typename Visit>
void
walk_folders(const fs::path& root, Visit visit)
{
  std::deque<std::pair<fs::path, int>> queue{ { root, 0 } };
  std::size_t scanned = 0;
  while (!queue.empty() && scanned < k_max_scanned_dirs) {
    auto [dir, depth] = std::move(queue.front());
    queue.pop_front();
    ++scanned;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const auto name = entry.path().filename().string();
      if (name == ".git" || !is_real_dir(entry.path())) {
        continue;
      }
      if (visit(entry.path()) && depth + 1 < k_max_scan_depth) {
        queue.emplace_back(entry.path(), depth + 1);
      }
    }
  }
}

bool
write_text(const fs::path& path, std::string_view text)
{
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

std::vector<std::string>
lines_of(std::string_view text)
{
  std::vector<std::string> lines;
  std::istringstream in{ std::string(text) };
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

// Copies one install output (a folder or a file) from `from` to `to`, failing when its
// files hold more than `max_bytes`.
util::Result<std::uint64_t>
copy_output(const fs::path& from, const fs::path& to, std::uint64_t max_bytes)
{
  if (is_real_dir(from)) {
    return copy_tree(from, to, max_bytes);
  }
  std::error_code size_error;
  if (fs::file_size(from, size_error) > max_bytes || size_error) {
    return util::fail("cannot copy " + from.string() + ": larger than the cache");
  }
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::none, ec);
  if (ec) {
    return util::fail("cannot copy " + from.string() + ": " + ec.message());
  }
  return allocated_bytes(to);
}

// Renames each of `outputs` from below `from` to below `to` (creating their parents), all
// or none: on failure (another filesystem) the ones moved go back.
bool
move_outputs(const std::vector<std::string>& outputs, const fs::path& from, const fs::path& to)
{
  std::size_t done = 0;
  std::error_code ec;
  for (; done < outputs.size(); ++done) {
    fs::create_directories((to / outputs[done]).parent_path(), ec);
    fs::rename(from / outputs[done], to / outputs[done], ec);
    if (ec) {
      break;
    }
  }
  if (done == outputs.size()) {
    return true;
  }
  while (done > 0) {
    --done;
    fs::rename(to / outputs[done], from / outputs[done], ec);
  }
  return false;
}

} // namespace

std::string
dependency_cache_key(const CacheKeyInput& input)
{
  std::string text;
  const auto add = [&](std::string_view field) {
    text += std::to_string(field.size());
    text += ':';
    text += field;
    text += '\n';
  };
  for (const auto* field : { &input.repository,
                             &input.lockfile_sha256,
                             &input.package_manager,
                             &input.node_version,
                             &input.install_dir,
                             &input.install_command }) {
    add(*field);
  }
  auto env = input.env;
  // REACTOR_* name the deployment (its commit, its URL), not what the install does: with
  // them every commit would miss the cache.
  std::erase_if(env, [](const std::string& entry) { return entry.starts_with("REACTOR_"); });
  std::ranges::sort(env);
  add(std::to_string(env.size()));
  for (const auto& entry : env) {
    add(entry);
  }
  return util::sha256_hex(text);
}

std::vector<std::string>
install_outputs(const fs::path& install_dir)
{
  std::vector<std::string> outputs;
  if (is_real_dir(install_dir / "node_modules")) {
    outputs.emplace_back("node_modules");
  }
  walk_folders(install_dir, [&](const fs::path& dir) {
    if (dir.filename() != "node_modules") {
      return true;
    }
    const auto relative = dir.lexically_relative(install_dir).generic_string();
    if (relative != "node_modules") {
      outputs.push_back(relative);
    }
    return false;
  });
  const bool yarn_dir = is_real_dir(install_dir / ".yarn");
  for (const auto file : k_pnp_files) {
    if ((yarn_dir || !file.starts_with(".yarn/")) && is_real_file(install_dir / file)) {
      outputs.emplace_back(file);
    }
  }
  for (const auto dir : k_pnp_dirs) {
    if (yarn_dir && is_real_dir(install_dir / dir)) {
      outputs.emplace_back(dir);
    }
  }
  std::ranges::sort(outputs);
  std::vector<std::string> outermost;
  for (const auto& output : outputs) {
    if (outermost.empty() || !output.starts_with(outermost.back() + "/")) {
      outermost.push_back(output);
    }
  }
  return outermost;
}

std::string
workspace_install_script(const fs::path& install_dir)
{
  std::string found;
  walk_folders(install_dir, [&](const fs::path& dir) {
    if (!found.empty() || dir.filename() == "node_modules") {
      return false;
    }
    if (is_real_file(dir / "package.json") && !install_scripts(dir / "package.json").empty()) {
      found = (dir / "package.json").lexically_relative(install_dir).generic_string();
    }
    return true;
  });
  return found;
}

// Held while an entry is restored or mounted: evicting it then is skipped.
struct DependencyCache::Pin
{
  Pin(DependencyCache& cache, std::string key)
    : m_cache(cache)
    , m_key(std::move(key))
  {
    ++m_cache.m_pins[m_key];
  }
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;
  ~Pin()
  {
    std::lock_guard lock(m_cache.m_mutex);
    if (--m_cache.m_pins[m_key] == 0) {
      m_cache.m_pins.erase(m_key);
    }
  }

  DependencyCache& m_cache;
  const std::string m_key;
};

DependencyCache::DependencyCache(fs::path root,
                                 std::uint64_t max_bytes,
                                 std::chrono::seconds max_age)
  : m_root(std::move(root))
  , m_max_bytes(max_bytes)
  , m_max_age(max_age)
{
  prepare_cache_root(m_root, k_tmp_prefix);
}

DependencyCache::Restored::Restored() = default;
DependencyCache::Restored::Restored(Restored&&) noexcept = default;
DependencyCache::Restored& DependencyCache::Restored::operator=(Restored&&) noexcept = default;
DependencyCache::Restored::~Restored() = default;

util::Result<std::optional<DependencyCache::Restored>>
DependencyCache::restore(const std::string& key,
                         const fs::path& install_dir,
                         const fs::path& scratch)
{
  const auto entry = m_root / key;
  std::unique_lock lock(m_mutex);
  if (!is_real_file(entry / "paths")) {
    return std::nullopt;
  }
  auto pin = std::make_unique<Pin>(*this, key);
  lock.unlock();
  auto shown = show(entry, std::move(pin), install_dir, scratch);
  if (!shown) {
    return std::unexpected(std::move(shown.error()));
  }
  return std::optional(std::move(*shown));
}

util::Result<DependencyCache::Restored>
DependencyCache::show(const fs::path& entry,
                      std::unique_ptr<Pin> pin,
                      const fs::path& install_dir,
                      const fs::path& scratch)
{
  Restored restored;
  restored.m_pin = std::move(pin);
  std::vector<fs::path> made;
  const auto undo = [&](util::Error error) -> util::Result<Restored> {
    restored.m_overlays.clear();
    for (const auto& path : made) {
      remove_tree(path);
    }
    remove_tree(scratch);
    return std::unexpected(std::move(error));
  };
  std::size_t index = 0;
  for (const auto& relative : lines_of(read_text(entry / "paths"))) {
    const auto parent = fs::path(relative).parent_path().generic_string();
    auto dir = directory_inside(install_dir, parent);
    if (!dir) {
      return undo({ "cannot restore " + relative + ": " + dir.error().message });
    }
    const auto target = install_dir / relative;
    if (exists_at_all(target)) {
      return undo({ "cannot restore " + relative + ": the checkout has it already" });
    }
    const auto from = entry / "tree" / relative;
    made.push_back(target);
    if (restored.m_copied_because.empty() && is_real_dir(from)) {
      auto overlay = Overlay::mount(from, target, scratch / std::to_string(index++));
      if (overlay) {
        restored.m_overlays.push_back(std::move(*overlay));
        continue;
      }
      restored.m_copied_because = std::move(overlay.error().message);
    }
    if (auto copied = copy_output(from, target, m_max_bytes); !copied) {
      return undo(std::move(copied.error()));
    }
  }
  mark_used(entry);
  return restored;
}

util::Result<DependencyCache::Saved>
DependencyCache::store(const std::string& key, const fs::path& install_dir, const fs::path& scratch)
{
  const auto outputs = install_outputs(install_dir);
  if (outputs.empty() || m_max_bytes == 0) {
    return Saved{};
  }
  std::uint64_t bytes = 0;
  for (const auto& relative : outputs) {
    bytes += allocated_bytes(install_dir / relative, m_max_bytes);
    if (bytes > m_max_bytes) {
      return Saved{};
    }
  }
  const auto entry = m_root / key;
  {
    std::lock_guard lock(m_mutex);
    if (exists_at_all(entry)) {
      return Saved{};
    }
  }

  const auto staging = m_root / (std::string(k_tmp_prefix) + core::new_deployment_id());
  std::error_code ec;
  fs::create_directories(staging / "tree", ec);
  if (ec) {
    return util::fail("cannot create " + staging.string() + ": " + ec.message());
  }
  const bool moved = move_outputs(outputs, install_dir, staging / "tree");
  if (!moved) {
    // Another filesystem: the checkout keeps its outputs and the entry gets a copy.
    bytes = 0;
    for (const auto& relative : outputs) {
      fs::create_directories((staging / "tree" / relative).parent_path(), ec);
      auto copied =
        copy_output(install_dir / relative, staging / "tree" / relative, m_max_bytes - bytes);
      if (!copied) {
        remove_tree(staging);
        return std::unexpected(std::move(copied.error()));
      }
      bytes += *copied;
    }
  }
  std::string paths;
  for (const auto& relative : outputs) {
    paths += relative + "\n";
  }
  // Undoes the move (or copy) when the entry cannot be made.
  const auto give_back = [&](const fs::path& from) {
    if (moved) {
      move_outputs(outputs, from / "tree", install_dir);
    }
    remove_tree(from);
  };
  if (!record_size(staging, bytes) || !write_text(staging / "paths", paths)) {
    give_back(staging);
    return util::fail("cannot write to " + staging.string());
  }
  mark_used(staging);

  std::unique_ptr<Pin> pin;
  {
    std::lock_guard lock(m_mutex);
    fs::rename(staging, entry, ec);
    if (ec) {
      give_back(staging);
      return Saved{}; // another build saved the same entry meanwhile
    }
    if (moved) {
      pin = std::make_unique<Pin>(*this, key); // before evict(): the checkout shows it
    }
    evict();
  }
  if (!moved) {
    return Saved{ bytes, std::nullopt };
  }
  auto shown = show(entry, std::move(pin), install_dir, scratch);
  if (!shown) {
    const auto trash = m_root / (std::string(k_trash_prefix) + core::new_deployment_id());
    {
      std::lock_guard lock(m_mutex);
      fs::rename(entry, trash, ec);
    }
    give_back(ec ? entry : trash); // the outputs go back before the entry goes
    return util::fail("cannot show the saved dependencies in the checkout: " +
                      shown.error().message);
  }
  return Saved{ bytes, std::move(*shown) };
}

std::uint64_t
DependencyCache::size()
{
  std::lock_guard lock(m_mutex);
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_root, ec)) {
    if (is_real_file(entry.path() / "paths")) {
      total += recorded_size(entry.path());
    }
  }
  return total;
}

gc::CacheTrim
DependencyCache::trim()
{
  std::lock_guard lock(m_mutex);
  return evict();
}

gc::CacheTrim
DependencyCache::evict()
{
  return evict_entries(
    m_root,
    m_max_bytes,
    m_max_age,
    [](const fs::path& entry) { return is_real_file(entry / "paths"); },
    [this](const fs::path& entry) { return m_pins.contains(entry.filename().string()); });
}

} // namespace reactor::builder
