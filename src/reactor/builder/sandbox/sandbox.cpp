#include "reactor/builder/sandbox/sandbox.hpp"

#include "reactor/builder/sandbox/sandbox_network.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace reactor::builder::sandbox {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_identity_dir = ".sandbox";

constexpr std::string_view k_passwd =
  "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
  "builder:x:1000:1000:builder:/workspace/home:/bin/sh\n"
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
constexpr std::string_view k_group = "root:x:0:\n"
                                     "builder:x:1000:\n"
                                     "nogroup:x:65534:\n";

// Host files show up owned by the sandbox user (its uid maps to the caller's), so only
// public ones are bound: /etc/ssl/certs, never /etc/ssl/private.
constexpr std::string_view k_etc_files[] = {
  "/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/ca-certificates",
  "/etc/hosts",     "/etc/nsswitch.conf",
};

// The sandbox's own files in /etc, from the workspace's identity directory.
constexpr std::string_view k_identity_files[] = { "passwd", "group", "resolv.conf" };

void
add(std::vector<std::string>& argv, std::initializer_list<std::string_view> items)
{
  for (const auto item : items) {
    argv.emplace_back(item);
  }
}

util::Result<void>
write_file(const fs::path& path, std::string_view content)
{
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    return util::fail("cannot write " + path.string());
  }
  return {};
}

} // namespace

std::vector<RootEntry>
host_root_entries()
{
  std::vector<RootEntry> entries;
  for (const auto* name : { "/bin", "/sbin", "/lib", "/lib32", "/lib64" }) {
    std::error_code ec;
    const auto status = fs::symlink_status(name, ec);
    if (ec) {
      continue;
    }
    if (fs::is_symlink(status)) {
      const auto target = fs::read_symlink(name, ec);
      if (!ec) {
        entries.push_back({ name, target.string() });
      }
    } else if (fs::is_directory(status)) {
      entries.push_back({ name, "" });
    }
  }
  return entries;
}

std::vector<std::string>
sandbox_environment()
{
  const std::string home(k_sandbox_home);
  return {
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "HOME=" + home,
    "USER=builder",
    "LANG=C.UTF-8",
    "TMPDIR=/tmp",
    "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt",
    "npm_config_cache=" + home + "/.npm",
    "npm_config_update_notifier=false",
    "npm_config_fund=false",
    "npm_config_audit=false",
    "COREPACK_HOME=" + home + "/.corepack",
    "COREPACK_ENABLE_DOWNLOAD_PROMPT=0",
    "COREPACK_DEFAULT_TO_LATEST=0",
    "COREPACK_ENABLE_AUTO_PIN=0",
    "COREPACK_NPM_REGISTRY=https://registry.npmjs.org",
    "COREPACK_INTEGRITY_KEYS=0",
    "YARN_ENABLE_GLOBAL_CACHE=false",
    "YARN_ENABLE_TELEMETRY=0",
    "NEXT_TELEMETRY_DISABLED=1",
  };
}

std::vector<std::string>
sandbox_argv(const SandboxSpec& spec)
{
  std::vector<std::string> argv{ spec.bwrap };
  add(argv,
      { "--unshare-user",
        "--uid",
        "1000",
        "--gid",
        "1000",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try" });
  if (spec.network == NetworkAccess::confined) {
    add(argv, { "--block-fd", std::to_string(k_network_ready_fd) });
  } else {
    argv.emplace_back("--unshare-net");
  }
  add(argv,
      { "--cap-drop",
        "ALL",
        "--clearenv",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox" });

  add(argv, { "--ro-bind", "/usr", "/usr" });
  for (const auto& entry : spec.root_entries) {
    if (entry.target.empty()) {
      add(argv, { "--ro-bind", entry.path, entry.path });
    } else {
      add(argv, { "--symlink", entry.target, entry.path });
    }
  }
  for (const auto path : k_etc_files) {
    add(argv, { "--ro-bind-try", path, path });
  }
  add(argv, { "--proc", "/proc", "--dev", "/dev" });
  if (spec.tmp_bytes != 0) {
    add(argv, { "--size", std::to_string(spec.tmp_bytes) });
  }
  add(argv, { "--tmpfs", "/tmp" });

  const auto workspace = spec.workspace.string();
  const auto identity = (spec.workspace / k_identity_dir).string();
  add(argv, { "--bind", workspace, k_sandbox_workspace });
  // Read-only inside: bwrap binds these files from the host side on every run, so a link
  // planted in their place would show the next sandbox the host file it names.
  add(argv,
      { "--ro-bind",
        identity,
        std::string(k_sandbox_workspace) + "/" + std::string(k_identity_dir) });
  for (const auto name : k_identity_files) {
    add(argv, { "--ro-bind", identity + "/" + std::string(name), "/etc/" + std::string(name) });
  }
  for (const auto& bind : spec.workspace_binds) {
    add(argv, { "--bind", bind.host, bind.inside });
  }
  if (!spec.node_root.empty()) {
    add(argv, { "--ro-bind", spec.node_root.string(), k_sandbox_node });
  }
  if (!spec.corepack_home.empty()) {
    add(argv, { "--ro-bind", spec.corepack_home.string(), k_sandbox_corepack });
  }
  add(argv, { "--remount-ro", "/", "--chdir", spec.directory });

  auto environment = sandbox_environment();
  if (!spec.corepack_home.empty()) {
    environment.push_back("COREPACK_HOME=" + std::string(k_sandbox_corepack));
  }
  environment.insert(environment.end(), spec.extra_env.begin(), spec.extra_env.end());
  if (!spec.node_root.empty()) {
    // In front of the PATH that wins (extra_env may set one), so that npm, corepack and
    // every script's "#!/usr/bin/env node" run the Node.js asked for.
    const auto path = std::ranges::find_if(environment.rbegin(),
                                           environment.rend(),
                                           [](const auto& e) { return e.starts_with("PATH="); });
    path->insert(5, std::string(k_sandbox_node) + "/bin:");
  }
  for (const auto& entry : environment) {
    const auto equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      continue;
    }
    add(argv,
        { "--setenv",
          std::string_view(entry).substr(0, equals),
          std::string_view(entry).substr(equals + 1) });
  }

  argv.emplace_back("--");
  argv.insert(argv.end(), spec.command.begin(), spec.command.end());
  return argv;
}

util::Result<void>
prepare_workspace(const fs::path& workspace)
{
  std::error_code ec;
  const auto identity = workspace / k_identity_dir;
  fs::create_directories(identity, ec);
  if (!ec) {
    fs::create_directories(workspace / "home", ec);
  }
  if (!ec) {
    fs::create_directories(workspace / "src", ec);
  }
  if (ec) {
    return util::fail("cannot prepare workspace " + workspace.string() + ": " + ec.message());
  }
  if (auto written = write_file(identity / "passwd", k_passwd); !written) {
    return written;
  }
  if (auto written = write_file(identity / "group", k_group); !written) {
    return written;
  }
  return write_file(identity / "resolv.conf", "nameserver " + std::string(k_sandbox_dns) + "\n");
}

} // namespace reactor::builder::sandbox
